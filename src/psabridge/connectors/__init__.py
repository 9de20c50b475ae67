"""Clients of the outside systems (GravityZone, HaloPSA, ConnectWise) behind our ports."""

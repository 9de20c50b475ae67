"""psabridge: GravityZone usage and alerts into HaloPSA and ConnectWise PSA."""

__version__ = "0.1.0"

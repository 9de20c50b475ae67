"""Bitdefender GravityZone: JSON-RPC client, result models and the SecurityPlatform adapter."""

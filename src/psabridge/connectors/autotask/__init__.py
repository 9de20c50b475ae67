"""Autotask PSA connector: the REST API v1.0 client (zone discovery, queries, entities)."""

"""Simulators of the outside systems, served over real HTTP for tests, benchmarks and the demo."""

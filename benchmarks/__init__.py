"""Benchmarks: run as modules from the repository root, e.g.
``python -m benchmarks.heartbeat_throughput --help``."""

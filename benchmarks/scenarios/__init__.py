"""Benchmark scenarios: one module per scenario, run with `python benchmarks/run.py NAME`.

A scenario module defines `DEFAULT_SIZE: int` and `run(ctx) -> dict`; see benchmarks/README.md.
"""

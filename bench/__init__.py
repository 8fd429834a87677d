"""Benchmarks: run `python -m bench [NAME...]`; results are printed as markdown tables."""

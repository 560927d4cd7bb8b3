"""Benchmarks printed by `make bench`. Figures only: no assertions on timings."""

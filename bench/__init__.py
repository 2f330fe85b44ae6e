"""Benchmarks (`make bench`): not collected by pytest, which only looks in tests/."""

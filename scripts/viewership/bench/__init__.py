"""Benchmarks of the dbt project against the legacy algorithm, a fixed procedural port and the raw-SQL floor.

``python -m viewership.bench`` (``make bench``) writes docs/BENCHMARKS.md and docs/benchmarks.png.
"""

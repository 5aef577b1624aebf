"""Benchmarks: the project's figures against references measured in the same run.

Run ``python -m bench`` (full sizes, 15 to 22 minutes on two cores) or ``python -m bench
--quick`` (a smoke run). Nothing here is a test; see ``bench/README.md``.
"""

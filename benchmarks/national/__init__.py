"""The national-scale benchmark, by part (bench_national.py runs it)."""

"""Benchmarks (``make bench``); a package so that gunicorn can import ``bench.settings``."""

"""The test suite's fixtures for the pytest-run benchmarks here (bench/question_cpu.py)."""

from tests.conftest import *  # noqa: F403

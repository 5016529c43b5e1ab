"""Benchmark: the risk-rule tokenizer and parser are linear in the condition's length, and an
over-long condition costs nothing.

    make bench                                      # every bench script
    .venv/bin/python bench/bench_rules.py --runs 9  # just this one (no database needed)

Conditions are ``c00 || c01 && !(c02 || c03) || ...`` (ids, all three operators, parentheses)
cut to a given length. For each length up to the 2,048-character limit, and past it through the
parser's internals (``rules._Parser``, which ``rules.parse`` never reaches with such a text) up
to the 490,000 characters of the issue, it prints the median time of N runs of tokenize+parse
and the time per 1,000 characters: a linear parser keeps that figure flat once the tokens no
longer fit the CPU caches (from ~32,000 characters on, every size costs the same per
character; a quadratic one grows 7.5x from 65,536 to 490,000). Also times ``rules.parse``
refusing a 490,000-character condition. Exits 1 if the parse at the limit exceeds its budget,
the per-character cost at 490,000 is more than 2.5x that at 65,536, or the refusal is not
near-instant.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from questions import rules  # noqa: E402

BUDGET_AT_LIMIT_SECONDS = 0.005
BUDGET_LINEARITY = 2.5  # per-character cost at 490,000 over that at 65,536 (quadratic: 7.5)
BUDGET_REFUSAL_SECONDS = 0.001
LENGTHS = (256, 512, 1024, 2048, 16_384, 65_536, 490_000)


def condition(length: int) -> str:
    """A well-formed condition of exactly ``length`` characters (at most; trimmed to a whole
    term, then padded with spaces)."""
    parts: list[str] = []
    size = 0
    i = 0
    while True:
        term = f"c{i % 100:02d} || c{(i + 1) % 100:02d} && !(c{(i + 2) % 100:02d} || c{i % 7})"
        piece = term if not parts else " || " + term
        if size + len(piece) > length:
            break
        parts.append(piece)
        size += len(piece)
        i += 1
    text = "".join(parts)
    return text + " " * (length - len(text))


def timed(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; median of {args.runs} runs")
    print(f"{'characters':>10}  {'tokenize+parse':>14}  {'per 1,000 chars':>15}")
    per_k: dict[int, float] = {}
    for length in LENGTHS:
        text = condition(length)
        seconds = timed(lambda text=text: rules._Parser(text).parse(), args.runs)
        per_k[length] = seconds / length * 1000
        print(f"{length:>10,}  {seconds * 1000:>11.3f} ms  {per_k[length] * 1e6:>12.0f} µs")
    limit = rules.MAX_LENGTH
    at_limit = timed(lambda: rules.parse(condition(limit)), args.runs)
    long_text = condition(490_000)

    def refuse() -> None:
        try:
            rules.parse(long_text)
        except rules.RuleError:
            return
        raise AssertionError("an over-long condition was accepted")

    refusal = timed(refuse, args.runs)
    linearity = per_k[490_000] / per_k[65_536]
    print(f"rules.parse at the {limit:,}-character limit: {at_limit * 1000:.3f} ms")
    print(f"per-character cost, 490,000 vs 65,536 characters: {linearity:.2f}x")
    print(f"rules.parse refusing 490,000 characters: {refusal * 1e6:.1f} µs")
    failed = (
        at_limit > BUDGET_AT_LIMIT_SECONDS
        or linearity > BUDGET_LINEARITY
        or refusal > BUDGET_REFUSAL_SECONDS
    )
    if failed:
        print("OVER BUDGET", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

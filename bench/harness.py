"""The benchmark harness: a registry of named benchmarks and their results.

A benchmark measures its subject and a baseline of the same work in the same run
and database, and reports both; the harness prints the ratio. Absolute numbers
are printed for context only: they depend on the machine, ratios much less.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

REGISTRY: dict[str, Callable[["Context"], "Result"]] = {}


@dataclass
class Context:
    scale: int  # e.g. the number of accounts to generate
    quick: bool  # smaller sizes, for a smoke run in the test suite


@dataclass
class Result:
    name: str
    unit: str
    subject: float
    baseline: float
    baseline_label: str
    target: float | None = None  # the ratio we aim for, if any

    @property
    def ratio(self) -> float:
        return self.subject / self.baseline if self.baseline else float("inf")

    @property
    def meets_target(self) -> bool | None:
        return None if self.target is None else self.ratio >= self.target


def benchmark(name: str):
    def register(function: Callable[[Context], Result]):
        REGISTRY[name] = function
        return function

    return register


def throughput(count: int, started: float) -> float:
    """Items per second since `started` (a time.perf_counter() value)."""
    elapsed = time.perf_counter() - started
    return count / elapsed if elapsed > 0 else float("inf")


HEADER = f"{'benchmark':<28} {'subject':>14} {'baseline':>14}  ratio   target"


def report(result: Result) -> list[str]:
    """The two lines a result prints: the figures with the ratio and the verdict on the
    target, then what the baseline was."""
    target = (
        ""
        if result.target is None
        else f"≥ {result.target:.2f} " + ("ok" if result.meets_target else "MISSED")
    )
    return [
        f"{result.name:<28} {result.subject:>10.1f} {result.unit:<3} "
        f"{result.baseline:>10.1f} {result.unit:<3} {result.ratio:>6.3f}  {target}".rstrip(),
        f"{'':<28} baseline: {result.baseline_label}",
    ]

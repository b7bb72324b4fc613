"""The developer tooling keeps working: the Python check, the benchmark harness."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_refuses_a_python_older_than_3_12(tmp_path):
    old_python = tmp_path / "python3.11"
    old_python.write_text(
        '#!/bin/sh\ncase "$1" in --version) echo "Python 3.11.7";; *) exit 1;; esac\n'
    )
    old_python.chmod(0o755)
    result = subprocess.run(
        ["make", "--no-print-directory", "check-python", f"PYTHON={old_python}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "needs Python 3.12 or newer" in result.stdout and "Python 3.11.7" in result.stdout


def test_make_accepts_this_python():
    result = subprocess.run(
        ["make", "--no-print-directory", "check-python", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _bench(*arguments: str) -> subprocess.CompletedProcess:
    """`python -m bench …` in a fresh process (it makes its own temporary database)."""
    return subprocess.run(
        [sys.executable, "-m", "bench", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )


def test_the_benchmark_harness_reports_a_ratio():
    result = _bench("demo_generator", "--quick")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("demo_generator"))
    ratio = float(line.split()[-1])
    assert ratio > 0
    assert re.search(r"baseline: bulk_create", result.stdout)


def test_the_card_benchmark_serves_the_card_over_gunicorn():
    # A smoke run (300 accounts, short rounds): the benchmark's own checks that the
    # server answers the card with its table must pass; the ratio is not judged here.
    result = _bench("account_card", "--quick")
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("account_card"))
    card, baseline = (float(value) for value in re.findall(r"([\d.]+) req/s", line))
    assert card > 0 and baseline > 0
    assert "empty page on base.html" in result.stdout


def test_an_unknown_benchmark_is_named():
    result = _bench("no_such_bench", "--quick")
    assert result.returncode == 2
    assert "unknown benchmarks: no_such_bench" in result.stdout

"""The developer tooling keeps working: the Python check, the benchmark harness."""

import json
import os
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


def test_a_result_is_reported_with_its_ratio_and_its_verdict_on_the_target():
    from bench.harness import Result, report

    missed = Result("card", "req/s", subject=150.0, baseline=300.0, baseline_label="empty page",
                    target=0.6)  # fmt: skip
    met = Result("card", "req/s", subject=240.0, baseline=300.0, baseline_label="empty page",
                 target=0.6)  # fmt: skip
    untargeted = Result("gain", "req/s", subject=130.0, baseline=65.0, baseline_label="orm")
    assert report(missed)[0].endswith("0.500  ≥ 0.60 MISSED")
    assert report(met)[0].endswith("0.800  ≥ 0.60 ok")
    assert report(untargeted)[0].endswith("2.000")
    assert report(missed)[1].strip() == "baseline: empty page"


def test_the_card_benchmarks_serve_the_card_over_gunicorn_on_both_query_paths(tmp_path):
    # A smoke run (300 accounts, short rounds) on a fresh database: each benchmark checks
    # that its servers answer the card with its table (with PREPARED_QUERIES on and off)
    # and fails otherwise. The figures are not judged here.
    result = _bench("account_card", "card_prepared_queries", "--quick", "--json",
                    str(tmp_path / "results.json"))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert [r["name"] for r in results] == ["account_card", "card_prepared_queries"]
    assert "empty page on base.html" in results[0]["baseline_label"]
    assert "PREPARED_QUERIES=0" in results[1]["baseline_label"]


def test_an_unknown_benchmark_is_named():
    result = _bench("no_such_bench", "--quick")
    assert result.returncode == 2
    assert "unknown benchmarks: no_such_bench" in result.stdout


def test_the_register_benchmark_imports_the_whole_register(tmp_path):
    # A smoke run (300 lines): the benchmark fails unless the import, run in a process of
    # its own, posted every line of its register for the right total.
    result = _bench("registers", "--quick", "--json", str(tmp_path / "results.json"))
    assert result.returncode == 0, result.stderr[-3000:]
    [registers] = json.loads((tmp_path / "results.json").read_text())
    assert registers["name"] == "registers" and registers["unit"] == "lines/s"
    assert "bulk_create of the same 300 parsed lines" in registers["baseline_label"]
    assert "peak RSS" in registers["baseline_label"]


def test_the_ledger_page_benchmarks_serve_both_pages(tmp_path):
    # A smoke run (200 accounts, 3 months, short rounds): each benchmark checks that the
    # server answers its page with its content, and fails otherwise.
    result = _bench("charges_page", "payments_page", "--quick", "--json",
                    str(tmp_path / "results.json"))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert [r["name"] for r in results] == ["charges_page", "payments_page"]
    assert all("months of history each" in r["baseline_label"] for r in results)

"""`python -m bench [NAME ...] [--scale N] [--quick]`: run benchmarks on a fresh database.

SQLite in a temporary directory by default; with DATABASE_URL=postgres://… a fresh
database is created beside the given one and dropped afterwards.
"""

import argparse
import importlib
import json
import os
import pkgutil
import sys
import tempfile
from pathlib import Path


def _fresh_database(tmp: str) -> str | None:
    """Point Django at a fresh database; returns a PostgreSQL name to drop afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return None
    import psycopg

    base, _, name = url.rpartition("/")
    fresh = f"{name.split('?')[0]}_bench_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{fresh}"')
    os.environ["DATABASE_URL"] = f"{base}/{fresh}"
    return fresh


def _drop_database(base_url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base = base_url.rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument(
        "--scale",
        type=int,
        default=int(os.environ.get("BENCH_SCALE", "100000")),
        help="accounts to generate (default 100000, the size the targets are set for)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    original_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="kabinet-bench-") as tmp:
        os.environ["KABINET_VAR_DIR"] = tmp
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
        fresh = _fresh_database(tmp)
        try:
            return _run(args)
        finally:
            if fresh:
                _drop_database(original_url, fresh)


def _run(args) -> int:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    from bench.harness import HEADER, REGISTRY, Context, report

    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name.startswith("bench_"):
            importlib.import_module(f"bench.{module.name}")
    names = args.names or sorted(REGISTRY)
    unknown = set(names) - set(REGISTRY)
    if unknown:
        print(
            f"unknown benchmarks: {', '.join(sorted(unknown))}; known: {', '.join(sorted(REGISTRY))}"
        )
        return 2

    context = Context(scale=args.scale, quick=args.quick)
    results = []
    print(HEADER)
    for name in names:
        result = REGISTRY[name](context)
        results.append(result)
        print("\n".join(report(result)), flush=True)
    if args.json:
        payload = [dict(vars(r), ratio=r.ratio) for r in results]
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`python -m bench.register_import FILE ORGANIZATION_ID`: the subject of
bench_registers.py, alone in its process: imports a Сбербанк register and prints, as one
JSON line, how long it took and the process's RSS before and at its peak (MiB)."""

import json
import resource
import sys
import time
from pathlib import Path


def _rss_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process, in MiB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the peak


def main(path: str, organization_id: str) -> None:
    import django

    django.setup()
    from kabinet.billing.registers.formats import format_get
    from kabinet.billing.registers.services import register_import
    from kabinet.housing.models import Organization

    organization = Organization.objects.get(pk=int(organization_id))
    fmt = format_get("sber")
    before = _rss_mib("VmRSS")
    started = time.perf_counter()
    summary = register_import(path=Path(path), fmt=fmt, organization=organization)
    elapsed = time.perf_counter() - started
    print(json.dumps({
        "elapsed": elapsed, "before": before, "peak": _rss_mib("VmHWM"),
        "imported": summary.imported, "imported_sum": str(summary.imported_sum),
        "errors": len(summary.errors),
    }))  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""Running one call from several threads at the same moment (for PostgreSQL races)."""

import threading

from django.db import connections


def race(workers: int, call) -> list:
    """Run `call(index)` in `workers` threads released together; return their results.
    Any exception fails the caller's test (each thread closes its own connections)."""
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run(index):
        try:
            barrier.wait()
            results.append(call(index))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results

"""The sandbox's background work (Django Tasks, `manage.py db_worker`)."""

from django.tasks import task

from .operations import operation_announce


@task()
def sandbox_notify(operation_id: int) -> str:
    """Announce a paid sandbox operation to the shop's Pay URL; re-queued with a growing
    pause until acknowledged (payments/sandbox/operations.py)."""
    return operation_announce(operation_id=operation_id)

"""Background tasks of billing (Django's Tasks API; `manage.py db_worker` runs them)."""

from django.tasks import task


@task()
def billing_run_chunk_task(chunk_id: int) -> None:
    """One chunk of a billing run started with `background` (kabinet/billing/run/)."""
    from kabinet.billing.run import billing_run_chunk

    billing_run_chunk(chunk_id=chunk_id)

"""Background tasks of the payment documents (Django's Tasks API; `manage.py db_worker`)."""

from django.tasks import task


@task()
def delivery_send_task(delivery_id: int) -> None:
    """Render and e-mail one document (kabinet/receipts/services.py `delivery_send`)."""
    from kabinet.receipts.services import delivery_send

    delivery_send(delivery_id=delivery_id)

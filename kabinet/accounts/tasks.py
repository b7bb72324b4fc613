"""Background tasks of the accounts (Django's Tasks API; `manage.py db_worker`)."""

from django.tasks import task


@task()
def account_mail_task(*, kind: str, user_id: int | None, ip: str | None) -> None:
    """Issue the link and send the activation or recovery mail (services.account_mail_send).

    Sent by the worker, not inside the request: the page answers in the same time
    whether the login is known or not (no enumeration by timing).
    """
    from kabinet.accounts.services import account_mail_send

    account_mail_send(kind=kind, user_id=user_id, ip=ip)

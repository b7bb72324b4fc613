"""Background tasks of the meters app (Django Tasks API; `manage.py db_worker` runs them)."""

from django.tasks import task

from kabinet.housing.models import PersonalAccount

from . import emails, selectors, services


@task
def reminders_send(*, reminder_ids: list[int]) -> int:
    """Mail the claimed reading reminders (each at most once: see services)."""
    return services.reminders_send_now(reminder_ids=reminder_ids)


@task
def readings_confirmation_send(*, user_id: int, account_id: int, key: str) -> bool:
    """Mail the resident the readings one form gave (its idempotency key)."""
    account = (
        PersonalAccount.objects.select_related("premises__house", "organization")
        .filter(pk=account_id, links__user_id=user_id)
        .first()
    )
    if account is None:
        return False
    user = account.links.get(user_id=user_id).user
    if not user.email:
        return False
    meter_ids = account.premises.meters.values_list("pk", flat=True)
    submissions = selectors.submissions_of(key=key, meter_ids=meter_ids)
    if not submissions:
        return False
    emails.readings_accepted(user=user, account=account, submissions=submissions)
    return True

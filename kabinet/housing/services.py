"""Writes for the resident's accounts: attach (with proof of ownership), detach, and the
e-mail subscriptions of an attached account.

Each function owns its transaction. Every attach try is logged in
`AccountAttachAttempt` and on the "kabinet.security" logger; wrong proofs are
limited per user and account and per user (settings.py, `ACCOUNT_ATTACH_*`;
docs/security.md): 5 wrong proofs by one user for one account, or 10 by one user within
an hour, lock that user's further tries for an hour.

Every user's wrong proofs for one account are counted too, but they never refuse the
owner's right proof (a stranger could otherwise deny the account to its owner): 5 within
the hour mark the account for staff (`PersonalAccount.attach_alert_at`, a warning in the
security log), who see who tried from where.

What proves an account is one's own is decided above the registry (the resident pages
pass a check of the account's last payment, `billing.selectors.last_payment_matches`);
this module owns the link, the lockout and the log.
"""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.security import log_event

from .models import AccountAttachAttempt, AccountLink, PersonalAccount
from .selectors import attach_locked_until, attach_wrong_for_account

Outcome = AccountAttachAttempt.Outcome


def _limits() -> dict:
    return {
        "per_user_account": settings.ACCOUNT_ATTACH_MAX_WRONG_PER_USER_ACCOUNT,
        "per_user": settings.ACCOUNT_ATTACH_MAX_WRONG_PER_USER,
        "window": settings.ACCOUNT_ATTACH_WINDOW,
        "lockout": settings.ACCOUNT_ATTACH_LOCKOUT,
    }


class AttachRefused(ValidationError):
    """The account was not attached: a wrong proof (code "wrong_proof") or a lockout ("locked")."""

    def __init__(self, message: str, *, code: str, locked_until: datetime.datetime | None = None):
        super().__init__(message, code=code)
        self.locked_until = locked_until


def _locked_error(until: datetime.datetime, now: datetime.datetime) -> AttachRefused:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    message = _(
        "Слишком много неверных попыток. Привязка этого лицевого счета временно недоступна: "
        "повторите после %(time)s (через %(minutes)d мин.)."
    ) % {"time": timezone.localtime(until).strftime("%H:%M"), "minutes": minutes}
    return AttachRefused(message, code="locked", locked_until=until)


def _wrong_proof_error() -> AttachRefused:
    return AttachRefused(
        _(
            "Дата и сумма не совпадают с последним платежом по этому лицевому счету. "
            "Проверьте их по квитанции или банковской выписке и попробуйте еще раз. "
            "Если платежей по счету еще не было, обратитесь в управляющую организацию: "
            "сотрудник добавит счет в ваш кабинет."
        ),
        code="wrong_proof",
    )


def account_attach(
    *,
    user,
    account_id: int,
    proof: Callable[[PersonalAccount], bool],
    ip_address: str | None = None,
) -> tuple[AccountLink, bool]:
    """Attach an account to the user's cabinet if `proof(account)` says it is theirs.

    `proof` is called with the locked account, and only when no lockout is in force.
    Returns (link, created); attaching an account twice returns the existing link
    (created=False) without checking the proof. Raises `AttachRefused` for a wrong
    proof or during a lockout, `ValidationError` for an unknown account. The try is
    logged either way: the refusal is raised after the log is committed.
    """
    now = timezone.now()
    limits = _limits()
    refusal: AttachRefused | None = None
    link, created = None, False
    with transaction.atomic():
        # Lock the account, then the user: concurrent tries are counted one after another.
        # The account's row only: `first()` joins the organization (ordering), whose row a
        # plain FOR UPDATE would lock too.
        account = (
            PersonalAccount.objects.select_for_update(of=("self",)).filter(pk=account_id).first()
        )
        if account is None:
            raise ValidationError(_("Такого лицевого счета нет."), code="unknown_account")
        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()

        link = AccountLink.objects.filter(user=user, account=account).first()
        if link is not None:
            outcome = Outcome.ALREADY_ATTACHED
        elif until := attach_locked_until(
            user_id=user.pk, account_id=account.pk, now=now, **limits
        ):
            outcome, refusal = Outcome.LOCKED, _locked_error(until, now)
        elif proof(account):
            try:
                with transaction.atomic():
                    link, created = AccountLink.objects.create(user=user, account=account), True
            except IntegrityError:  # a double submit won the race: the link is there
                link = AccountLink.objects.get(user=user, account=account)
            outcome = Outcome.ATTACHED if created else Outcome.ALREADY_ATTACHED
        else:
            outcome, refusal = Outcome.WRONG_PROOF, _wrong_proof_error()

        AccountAttachAttempt.objects.create(
            user=user, account=account, outcome=outcome, ip_address=ip_address, created_at=now
        )
        alert = False
        if outcome == Outcome.WRONG_PROOF:
            # The wrong proof that reaches a limit says so at once.
            until = attach_locked_until(user_id=user.pk, account_id=account.pk, now=now, **limits)
            if until:
                refusal = _locked_error(until, now)
            wrong = attach_wrong_for_account(
                account_id=account.pk, now=now, window=limits["window"]
            )
            if wrong == settings.ACCOUNT_ATTACH_ALERT_PER_ACCOUNT:
                account.attach_alert_at = now
                account.save(update_fields=["attach_alert_at"])
                alert = True

    log_event(
        "account.attach", ip=ip_address, user_id=user.pk, account_id=account.pk, outcome=outcome
    )
    if alert:
        log_event(
            "account.attach_alert",
            ip=ip_address,
            user_id=user.pk,
            account_id=account.pk,
            level=logging.WARNING,
        )
    if refusal is not None:
        raise refusal
    return link, created


def account_link_add_by_staff(*, user, account_id: int, by, ip_address: str | None = None):
    """Staff attach an account to a resident's cabinet after checking the person (an
    account without payments has nothing else to prove it). Logged like a resident's try,
    with the staff member's id. Returns (link, created)."""
    now = timezone.now()
    with transaction.atomic():
        account = (
            PersonalAccount.objects.select_for_update(of=("self",)).filter(pk=account_id).first()
        )
        if account is None:
            raise ValidationError(_("Такого лицевого счета нет."), code="unknown_account")
        link, created = AccountLink.objects.get_or_create(user=user, account=account)
        AccountAttachAttempt.objects.create(
            user=user,
            account=account,
            outcome=Outcome.BY_STAFF if created else Outcome.ALREADY_ATTACHED,
            ip_address=ip_address,
            created_at=now,
        )
    log_event(
        "account.attach",
        ip=ip_address,
        user_id=user.pk,
        account_id=account_id,
        outcome=Outcome.BY_STAFF,
        by=by.pk,
    )
    return link, created


def account_number_normalize(number: str) -> str:
    """A number as typed from a receipt: "№ 1234567", " 12 345 67 " → "1234567"."""
    return "".join(number.split()).removeprefix("№").removeprefix("N").strip()


def account_attach_by_number(
    *,
    user,
    number: str,
    organization_id: int | None,
    proof: Callable[[PersonalAccount], bool],
    ip_address: str | None = None,
) -> tuple[AccountLink, bool]:
    """The shortcut beside organization → house → flat → account: the open account with
    this number (within the organization, when one is chosen), then `account_attach` with
    the same proof and the same lockout.

    Raises `ValidationError` with code "unknown_number" when no open account has the
    number, "ambiguous_number" when several organizations use it and none is chosen.
    """
    accounts = PersonalAccount.objects.filter(
        number__iexact=account_number_normalize(number), closed_on__isnull=True
    )
    if organization_id is not None:
        accounts = accounts.filter(organization_id=organization_id)
    found = list(accounts.values_list("pk", flat=True)[:2])
    if not found:
        raise ValidationError(
            _(
                "Открытого лицевого счета с таким номером нет. Проверьте номер по квитанции "
                "или выберите лицевой счет по адресу."
            ),
            code="unknown_number",
        )
    if len(found) > 1:
        raise ValidationError(
            _(
                "Лицевой счет с таким номером есть у нескольких управляющих организаций: "
                "выберите свою в списке «Управляющая организация»."
            ),
            code="ambiguous_number",
        )
    return account_attach(user=user, account_id=found[0], proof=proof, ip_address=ip_address)


def account_detach(*, user, account_id: int) -> bool:
    """Remove the account from the user's cabinet (the account and its data stay).

    Returns False if it was not attached. Other users' links are untouched.
    """
    with transaction.atomic():
        deleted, _rows = AccountLink.objects.filter(user=user, account_id=account_id).delete()
    if deleted:
        log_event("account.detach", ip=None, user_id=user.pk, account_id=account_id)
    return bool(deleted)


def account_link_subscriptions_set(
    *,
    user,
    account_id: int,
    receipts_by_email: bool | None = None,
    reading_reminders: bool | None = None,
    ip_address: str | None = None,
) -> AccountLink | None:
    """Turn the user's e-mail subscriptions for one attached account on or off.

    `None` leaves a switch as it is (a one-click unsubscribe turns off one of them).
    Returns the link, or None if the user has not attached the account: nobody changes
    another user's subscriptions. A change is logged with the new values.
    """
    wanted = {
        field: value
        for field, value in (
            ("receipts_by_email", receipts_by_email),
            ("reading_reminders", reading_reminders),
        )
        if value is not None
    }
    with transaction.atomic():
        link = (
            AccountLink.objects.select_for_update()
            .filter(user=user, account_id=account_id)
            .first()
        )
        if link is None:
            return None
        changed = {
            field: value for field, value in wanted.items() if getattr(link, field) != value
        }
        if not changed:
            return link
        for field, value in changed.items():
            setattr(link, field, value)
        link.save(update_fields=list(changed))
    log_event(
        "account.subscriptions",
        ip=ip_address,
        user_id=user.pk,
        account_id=account_id,
        **{field: int(value) for field, value in changed.items()},
    )
    return link


def attach_attempts_purge(*, now: datetime.datetime | None = None) -> int:
    """Attach attempts older than ACCOUNT_ATTACH_ATTEMPT_RETENTION (the daily purge): long
    past the lockout windows, they are an audit trail of who tried which account from where."""
    cutoff = (now or timezone.now()) - settings.ACCOUNT_ATTACH_ATTEMPT_RETENTION
    with transaction.atomic():
        deleted, _by_model = AccountAttachAttempt.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        log_event("attach_attempts.purged", attempts=deleted)
    return deleted

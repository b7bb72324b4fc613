"""Writes of payment documents: issuing a document, publishing a period, sending one
mail (docs/receipts.md).

- `receipt_document`: what printing an account's month gives. A closed month's document
  is issued once (`receipt_issue`: numbered, frozen with its data) and every later print
  shows the same; an open month's is an unnumbered draft, computed afresh, not stored.
- `mailing_publish`: staff publish a closed month; one `Delivery` per subscribed address
  (unique, so publishing again adds only the new subscribers) and one task each.
- `delivery_send`: one worker claims the delivery (pending or failed → sending) in one
  conditional UPDATE, so that two workers never both send it; renders, mails, records.
  A failure is retried after 1, 2, 4… minutes, RECEIPTS_MAIL_ATTEMPTS times in all.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import BillingPeriod, Charge, Penalty
from kabinet.core.periods import month_label
from kabinet.housing.models import AccountLink, PersonalAccount

from . import emails, render
from .models import Delivery, Mailing, Receipt, ReceiptSequence
from .selectors import receipt_data

logger = logging.getLogger("kabinet.receipts")


@dataclass(frozen=True)
class Document:
    """A document ready to print: an issued one (with its number) or a draft."""

    account: PersonalAccount
    month: datetime.date
    data: dict
    number: int | None = None
    issued_on: datetime.date | None = None

    @property
    def is_draft(self) -> bool:
        return self.number is None

    @property
    def filename(self) -> str:
        return f"kvitanciya-{self.account.number}-{self.month:%Y-%m}.pdf"

    def pdf(self) -> bytes:
        return render.pdf(self.data, number=self.number, issued_on=self.issued_on)

    @classmethod
    def issued(cls, receipt: Receipt, account: PersonalAccount, month) -> "Document":
        return cls(
            account=account,
            month=month,
            data=receipt.data,
            number=receipt.number,
            issued_on=timezone.localdate(receipt.issued_at),
        )


def receipt_issue(*, account: PersonalAccount, period: BillingPeriod) -> Receipt:
    """The account's document for a closed period: the one issued before, or a new one
    with the organization's next number and the data it prints, frozen."""
    if not period.is_closed:
        raise ValidationError(_("Период %(period)s не закрыт.") % {"period": period})
    existing = Receipt.objects.filter(account_id=account.pk, period_id=period.pk).first()
    if existing:
        return existing
    data = receipt_data(account=account, period=period)
    organization_id = account.organization_id
    try:
        with transaction.atomic():
            # One number after another per organization, without gaps: the counter row
            # is locked until the receipt holding its number is written.
            ReceiptSequence.objects.bulk_create(
                [ReceiptSequence(organization_id=organization_id)], ignore_conflicts=True
            )
            sequence = ReceiptSequence.objects.select_for_update().get(pk=organization_id)
            existing = Receipt.objects.filter(account_id=account.pk, period_id=period.pk).first()
            if existing:  # issued by another process while we waited for the lock
                return existing
            number = sequence.last_number + 1
            ReceiptSequence.objects.filter(pk=organization_id).update(last_number=number)
            receipt = Receipt.objects.create(
                organization_id=organization_id,
                account=account,
                period=period,
                number=number,
                to_pay=data["balance"]["to_pay"],
                data=data,
            )
    except IntegrityError:
        # SQLite takes no row locks: a concurrent issue of the same document won.
        return Receipt.objects.get(account_id=account.pk, period_id=period.pk)
    logger.info(
        "receipts.issued receipt=%s account=%s period=%s number=%s",
        receipt.pk, account.pk, period.pk, number,
    )  # fmt: skip
    return receipt


def receipt_document(*, account: PersonalAccount, period: BillingPeriod) -> Document:
    """What printing the account's month gives: the issued document of a closed month
    (issued now if it never was), a draft of an open one."""
    if not period.is_closed:
        return Document(
            account=account, month=period.month, data=receipt_data(account=account, period=period)
        )
    return Document.issued(receipt_issue(account=account, period=period), account, period.month)


# --- mailing --------------------------------------------------------------------------


def _has_lines(period_id: int):
    """Accounts with a line (a charge or a penalty) in the period: they have a document."""
    return Exists(
        Charge.objects.filter(account_id=OuterRef("account_id"), period_id=period_id)
    ) | Exists(Penalty.objects.filter(account_id=OuterRef("account_id"), period_id=period_id))


def _subscribed(**filters):
    return AccountLink.objects.filter(
        receipts_by_email=True, user__is_active=True, **filters
    ).exclude(user__email="")


def mailing_publish(*, period: BillingPeriod, user=None) -> Mailing:
    """Publish a closed period: e-mail its document to every subscribed address of every
    account with lines in it. Publishing again sends only to the addresses not yet sent
    to (a subscriber who joined since); the tasks run in `manage.py db_worker`."""
    if not period.is_closed:
        raise ValidationError(
            _("Период %(period)s не закрыт: квитанции рассылаются за закрытые периоды.")
            % {"period": month_label(period.month)}
        )
    with transaction.atomic():
        mailing = Mailing.objects.create(period=period, started_by=user)
        links = (
            _subscribed(account__organization_id=period.organization_id)
            .filter(_has_lines(period.pk))
            .values_list("account_id", "user_id", "user__email")
            .order_by("account_id", "user_id")
        )
        Delivery.objects.bulk_create(
            (
                Delivery(
                    mailing=mailing,
                    period=period,
                    account_id=account_id,
                    user_id=user_id,
                    email=email.lower(),
                )
                for account_id, user_id, email in links.iterator(chunk_size=2000)
            ),
            batch_size=1000,
            ignore_conflicts=True,  # already sent (or queued) to this address
        )
        ids = list(Delivery.objects.filter(mailing=mailing).values_list("pk", flat=True))
        Mailing.objects.filter(pk=mailing.pk).update(added=len(ids))
        mailing.added = len(ids)
        transaction.on_commit(lambda: _enqueue(ids))
    logger.info(
        "receipts.mailing.start mailing=%s period=%s deliveries=%s user_id=%s",
        mailing.pk, period.pk, len(ids), getattr(user, "pk", "-"),
    )  # fmt: skip
    return mailing


def mailing_retry(*, mailing: Mailing) -> int:
    """Queue again what was given up (the mail server was down for long): their tries
    start over. Returns how many."""
    ids = list(
        Delivery.objects.filter(mailing=mailing, status=Delivery.Status.GAVE_UP).values_list(
            "pk", flat=True
        )
    )
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.GAVE_UP).update(
        status=Delivery.Status.PENDING, attempts=0, error="", updated_at=timezone.now()
    )
    _enqueue(ids)
    return len(ids)


def _enqueue(ids: list[int], *, attempts: int = 0) -> None:
    from .tasks import delivery_send_task

    task = delivery_send_task
    if attempts and task.get_backend().supports_defer:
        delay = settings.RECEIPTS_MAIL_RETRY_AFTER * 2 ** (attempts - 1)
        task = task.using(run_after=timezone.now() + delay)
    for delivery_id in ids:
        task.enqueue(delivery_id)


@dataclass(frozen=True)
class Progress:
    sent: int
    failed: int  # given up, or failed and waiting for a retry
    left: int  # pending or being sent
    cancelled: int  # unsubscribed (or the address changed) before their turn

    @classmethod
    def of(cls, mailing: Mailing) -> "Progress":
        """From a mailing annotated by `mailings_with_progress`."""
        return cls(*(getattr(mailing, f"progress_{name}") for name in PROGRESS))


_S = Delivery.Status
PROGRESS = {
    "sent": [_S.SENT],
    "failed": [_S.FAILED, _S.GAVE_UP],
    "left": [_S.PENDING, _S.SENDING],
    "cancelled": [_S.CANCELLED],
}


def mailings_with_progress(mailings):
    """Mailings annotated with their deliveries sent, failed, left and cancelled: one
    query for a whole list."""
    return mailings.annotate(
        **{
            f"progress_{name}": Count("deliveries", filter=Q(deliveries__status__in=statuses))
            for name, statuses in PROGRESS.items()
        }
    )


def _still_wanted(delivery: Delivery) -> bool:
    user = delivery.user
    return (
        user is not None
        and user.is_active
        and user.email.lower() == delivery.email
        and _subscribed(user_id=user.pk, account_id=delivery.account_id).exists()
    )


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one delivery if nobody else has: None when another worker claimed it or it
    was already sent."""
    S = Delivery.Status
    claimed = Delivery.objects.filter(
        Q(status=S.PENDING) | Q(status=S.FAILED), pk=delivery_id
    ).update(status=S.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now())
    if not claimed:
        return None
    delivery = Delivery.objects.select_related(
        "user", "period", "account__organization", "account__premises__house"
    ).get(pk=delivery_id)
    if not _still_wanted(delivery):
        _finish(delivery, status=S.CANCELLED)
        return delivery
    try:
        receipt = receipt_issue(account=delivery.account, period=delivery.period)
        document = Document.issued(receipt, delivery.account, delivery.period.month)
        emails.receipt(delivery=delivery, document=document)
    except Exception as error:  # the mail server, a rendering failure: tried again
        logger.warning(
            "receipts.delivery.failed delivery=%s attempt=%s error=%s",
            delivery_id, delivery.attempts, type(error).__name__,
        )  # fmt: skip
        given_up = delivery.attempts >= settings.RECEIPTS_MAIL_ATTEMPTS
        _finish(
            delivery,
            status=S.GAVE_UP if given_up else S.FAILED,
            error=f"{type(error).__name__}: {error}"[:255],
        )
        if not given_up:
            _enqueue([delivery_id], attempts=delivery.attempts)
        return delivery
    _finish(delivery, status=S.SENT, receipt=receipt, sent_at=timezone.now())
    return delivery


def _finish(delivery: Delivery, **fields) -> None:
    fields["updated_at"] = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)

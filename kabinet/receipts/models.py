"""Payment documents (квитанции) and their e-mail deliveries (docs/receipts.md).

A `Receipt` is an issued document: numbered once per account and period (a sequence per
organization) and frozen with the data it printed, so that printing it again gives the
same figures whatever happens later. Only closed periods are issued; an open period
prints as an unnumbered draft that is not stored.

A `Mailing` is staff publishing a period; each `Delivery` is one document to one address,
unique per period, account and address, so that nothing is sent twice.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import MONEY, BillingPeriod
from kabinet.housing.models import Organization, PersonalAccount


class ReceiptQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("An issued receipt is frozen.")

    def delete(self):
        raise TypeError("An issued receipt is frozen.")


class Receipt(models.Model):
    """An issued payment document of one account for one closed period, frozen."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("организация")
    )
    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("лицевой счет"),
    )
    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("период")
    )
    number = models.PositiveIntegerField(_("номер"))
    issued_at = models.DateTimeField(_("выписан"), default=timezone.now)
    to_pay = models.DecimalField(_("к оплате"), **MONEY)
    data = models.JSONField(_("напечатанные данные"))

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("квитанция")
        verbose_name_plural = _("квитанции")
        ordering = ["-period__month", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="receipt_once_per_period"),
            models.UniqueConstraint(
                fields=["organization", "number"], name="receipt_number_per_organization"
            ),
        ]

    def __str__(self):
        return f"№ {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("An issued receipt is frozen.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("An issued receipt is frozen.")


class ReceiptSequence(models.Model):
    """The last number an organization gave a receipt: numbers go 1, 2, 3… without gaps."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("нумерация квитанций")
        verbose_name_plural = _("нумерация квитанций")

    def __str__(self):
        return f"{self.organization_id}: {self.last_number}"


class Mailing(models.Model):
    """Staff published a closed period: its documents are e-mailed to the subscribed."""

    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("период")
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("запустил"),
    )
    started_at = models.DateTimeField(_("запущена"), default=timezone.now)
    added = models.PositiveIntegerField(_("новых писем"), default=0)

    class Meta:
        verbose_name = _("рассылка квитанций")
        verbose_name_plural = _("рассылки квитанций")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.period} ({self.started_at:%d.%m.%Y %H:%M})"


class Delivery(models.Model):
    """One document to one address. Claimed by one worker at a time (pending or failed →
    sending), so that two workers never send it twice; a failure is retried."""

    class Status(models.TextChoices):
        PENDING = "pending", _("ожидает")
        SENDING = "sending", _("отправляется")
        SENT = "sent", _("отправлено")
        FAILED = "failed", _("ошибка, будет повтор")
        GAVE_UP = "gave_up", _("не отправлено")
        CANCELLED = "cancelled", _("отменено")

    mailing = models.ForeignKey(
        Mailing, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("рассылка")
    )
    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("период")
    )
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("лицевой счет")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("пользователь"),
    )
    email = models.EmailField(_("адрес"))
    receipt = models.ForeignKey(
        Receipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("квитанция"),
    )
    status = models.CharField(_("состояние"), max_length=9, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    error = models.CharField(_("ошибка"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("обновлено"), default=timezone.now)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)

    class Meta:
        verbose_name = _("письмо с квитанцией")
        verbose_name_plural = _("письма с квитанциями")
        ordering = ["mailing", "id"]
        constraints = [
            # Never twice to one address for one account's period, however often the
            # period is published and however many workers run.
            models.UniqueConstraint(
                fields=["period", "account", "email"], name="delivery_once_per_address"
            )
        ]
        indexes = [models.Index(fields=["mailing", "status"], name="delivery_progress_idx")]

    def __str__(self):
        return f"{self.email}: {self.get_status_display()}"

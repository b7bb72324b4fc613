"""The money ledgers: charges, penalties, payments.

Append-only: rows are never edited or deleted; a correction is a new row; a balance is
a sum (billing/selectors.py).
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.core.append_only import AppendOnlyModel
from kabinet.housing.models import PersonalAccount

from .fields import MONEY, PRECISE
from .periods import BillingPeriod
from .tariffs import Service, Tariff


class LedgerRow(AppendOnlyModel):
    """Base for ledger rows: saved once, never changed, never deleted."""

    created_at = models.DateTimeField(_("проведено"), auto_now_add=True)

    class Meta:
        abstract = True


class Charge(LedgerRow):
    """One service's line on one account for one period: tariff × volume, plus recalculation."""

    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="charges",
        verbose_name=_("лицевой счет"),
    )
    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="charges", verbose_name=_("период")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="charges", verbose_name=_("услуга")
    )
    tariff = models.ForeignKey(
        Tariff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("тариф"),
    )
    # The price is copied from the tariff: an issued charge freezes its numbers.
    price = models.DecimalField(_("тариф, ₽"), **PRECISE)
    volume = models.DecimalField(_("объем"), **PRECISE)
    amount = models.DecimalField(_("начислено"), **MONEY)
    recalculation = models.DecimalField(_("перерасчет"), default=Decimal("0.00"), **MONEY)
    total = models.GeneratedField(
        expression=models.F("amount") + models.F("recalculation"),
        output_field=models.DecimalField(**MONEY),
        db_persist=True,
        verbose_name=_("итого начислено"),
    )

    class Meta:
        verbose_name = _("начисление")
        verbose_name_plural = _("начисления")
        ordering = ["period__month", "service__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period", "service"], name="charge_once_per_service_and_period"
            )
        ]

    def __str__(self):
        return f"{self.service} {self.period}: {self.amount}"


class Penalty(LedgerRow):
    """Пени for one account and period (ЖК РФ ст. 155 ч. 14), rounded once per period."""

    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="penalties",
        verbose_name=_("лицевой счет"),
    )
    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="penalties", verbose_name=_("период")
    )
    amount = models.DecimalField(_("сумма"), **MONEY)
    note = models.CharField(_("основание"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("пени")
        verbose_name_plural = _("пени")
        ordering = ["period__month", "created_at"]

    def __str__(self):
        return gettext("Пени %(period)s: %(amount)s") % {
            "period": self.period,
            "amount": self.amount,
        }


class Payment(LedgerRow):
    class Source(models.TextChoices):
        BANK = "bank", _("банк (реестр)")
        ONLINE = "online", _("онлайн-оплата")
        CASH = "cash", _("касса")

    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("лицевой счет"),
    )
    paid_on = models.DateField(_("дата платежа"))
    amount = models.DecimalField(_("сумма"), **MONEY)
    source = models.CharField(_("источник"), max_length=8, choices=Source)
    external_id = models.CharField(
        _("внешний идентификатор"),
        max_length=255,
        blank=True,
        help_text=_(
            "Номер операции банка или платежной системы: один платеж не проводится дважды."
        ),
    )
    note = models.CharField(_("примечание"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("платеж")
        verbose_name_plural = _("платежи")
        ordering = ["-paid_on", "-id"]
        constraints = [
            # A reversal (сторно) is a negative row; zero moves nothing.
            models.CheckConstraint(condition=~models.Q(amount=0), name="payment_amount_not_zero"),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="payment_external_id_unique_per_source",
                violation_error_message=_("Платеж с таким внешним идентификатором уже проведен."),
            ),
        ]

    def __str__(self):
        return f"{self.paid_on:%d.%m.%Y} {self.amount}"

"""The money ledgers: charges, penalties, payments.

Payments are append-only: never edited or deleted; a correction is a new row (a
reversal). Charges and penalties are the billing run's lines: while their period is open
the run replaces them as one whole set (kabinet/billing/run/), and once it is closed they
are frozen for good, in the database itself (a trigger refuses any insert, change or
delete in a closed period). Code outside the run cannot change or delete a saved line at
all. A balance is a sum (billing/selectors.py). See docs/billing.md.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.core.append_only import AppendOnlyModel
from kabinet.housing.models import PersonalAccount

from .fields import MONEY, PRECISE
from .periods import BillingPeriod
from .tariffs import Service, Tariff


class LedgerRow(AppendOnlyModel):
    """Base for ledger rows: saved once, never changed, never deleted through the ORM."""

    created_at = models.DateTimeField(_("проведено"), auto_now_add=True)

    class Meta:
        abstract = True


class Charge(LedgerRow):
    """One service's line on one account for one period (one per tariff zone): tariff ×
    individual volume, tariff × common-property volume (ОДН), plus the recalculations
    booked in this period (their grounds are `Recalculation` rows)."""

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
    zone = models.PositiveSmallIntegerField(_("зона"), default=1)
    # The price is copied from the tariff: an issued charge freezes its numbers.
    price = models.DecimalField(_("тариф, ₽"), **PRECISE)
    volume = models.DecimalField(_("объем"), **PRECISE)
    amount = models.DecimalField(_("начислено"), **MONEY)
    common_volume = models.DecimalField(
        _("объем на СОИ"), default=Decimal("0"), help_text=_("Общедомовые нужды."), **PRECISE
    )
    common_amount = models.DecimalField(_("начислено на СОИ"), default=Decimal("0.00"), **MONEY)
    recalculation = models.DecimalField(_("перерасчет"), default=Decimal("0.00"), **MONEY)
    total = models.GeneratedField(
        expression=models.F("amount") + models.F("common_amount") + models.F("recalculation"),
        output_field=models.DecimalField(**MONEY),
        db_persist=True,
        verbose_name=_("итого начислено"),
    )

    class Meta:
        verbose_name = _("начисление")
        verbose_name_plural = _("начисления")
        ordering = ["period__month", "service__sort_order", "zone"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period", "service", "zone"],
                name="charge_once_per_service_and_period",
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
        db_index=False,  # the index below leads with it
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
        # An account's penalty of a period, as the period totals read it per account.
        indexes = [models.Index(fields=["account", "period"], name="penalty_account_period")]

    def __str__(self):
        return gettext("Пени %(period)s: %(amount)s") % {
            "period": self.period,
            "amount": self.amount,
        }


class PeriodTotal(models.Model):
    """An account's period summed: its charge lines and its penalty, one row per account
    and period, so that the resident's pages and balances read one row a month rather
    than every line (docs/billing.md "Period totals").

    Derived, never edited: written with the lines that it sums, in the same transaction,
    by the billing run (per chunk), `charge_add` and `penalty_add`, and the history
    writers (`totals.period_totals_write`); frozen with the period by the same guard as
    the lines. `total` is the lines' "Итого" (recalculations included), without the
    penalty."""

    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="period_totals",
        verbose_name=_("лицевой счет"),
        db_index=False,  # the constraint and the index below lead with it
    )
    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("период")
    )
    month = models.DateField(_("месяц"))  # the period's, read without a join
    lines = models.PositiveIntegerField(_("строк начислений"))
    amount = models.DecimalField(_("начислено"), **MONEY)
    common_amount = models.DecimalField(_("начислено на СОИ"), **MONEY)
    recalculation = models.DecimalField(_("перерасчет"), **MONEY)
    total = models.DecimalField(_("итого начислено"), **MONEY)
    penalty = models.DecimalField(_("пени"), **MONEY)

    class Meta:
        verbose_name = _("итоги периода")
        verbose_name_plural = _("итоги периодов")
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="period_total_once")
        ]
        indexes = [models.Index(fields=["account", "month"], name="period_total_account_month")]

    def __str__(self):
        return f"{self.account_id} {self.month:%Y-%m}: {self.total} + {self.penalty}"


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

    history = HistoricalRecords()

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

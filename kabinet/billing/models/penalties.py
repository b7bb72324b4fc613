"""The penalty tables (key rates, caps, moratoria, contract due days) and the stored
breakdown of a period's penalty (docs/penalties.md).

The tables are dated rows: a new rate is a new row, history is never edited (the back
office adds rows and changes none). The calculation itself is kabinet/billing/penalties/.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.append_only import AppendOnlyModel
from kabinet.housing.models import Organization

from .fields import MONEY
from .ledger import Penalty
from .periods import BillingPeriod

RATE = {"max_digits": 5, "decimal_places": 2}


class KeyRate(AppendOnlyModel):
    """The Bank of Russia rate from a date on: the refinancing rate until 31.12.2015, the key
    rate from 01.01.2016. Shipped as data (migration 0007), new ones added by staff."""

    class Kind(models.TextChoices):
        REFINANCING = "refinancing", _("ставка рефинансирования")
        KEY = "key", _("ключевая ставка")

    valid_from = models.DateField(_("действует с"), unique=True)
    rate = models.DecimalField(
        _("ставка, % годовых"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        **RATE,
    )
    kind = models.CharField(_("вид"), max_length=12, choices=Kind, default=Kind.KEY)
    created_at = models.DateTimeField(_("внесена"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("внес"),
    )

    class Meta:
        verbose_name = _("ключевая ставка Банка России")
        verbose_name_plural = _("ключевые ставки Банка России")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="key_rate_positive")
        ]

    def __str__(self):
        return f"{self.rate} % с {self.valid_from:%d.%m.%Y}"


class PenaltyCap(AppendOnlyModel):
    """A window of days whose penalty accrues at a fixed rate or at most at a rate."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("фиксированная ставка")
        CEILING = "ceiling", _("не выше ставки")

    start = models.DateField(_("с"))
    end = models.DateField(_("по"))
    kind = models.CharField(_("вид"), max_length=8, choices=Kind)
    rate = models.DecimalField(_("ставка, % годовых"), **RATE)
    grounds = models.CharField(_("основание"), max_length=255)

    class Meta:
        verbose_name = _("ограничение ставки пеней")
        verbose_name_plural = _("ограничения ставки пеней")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="cap_ordered"
            )
        ]

    def __str__(self):
        return (
            f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}: {self.get_kind_display()} {self.rate} %"
        )


class PenaltyMoratorium(AppendOnlyModel):
    """Days on which no penalty accrues (they still count toward the day of delay)."""

    start = models.DateField(_("с"))
    end = models.DateField(_("по"))
    debts_due_before = models.DateField(
        _("для долгов со сроком оплаты до"),
        null=True,
        blank=True,
        help_text=_("Пусто: для всех долгов."),
    )
    grounds = models.CharField(_("основание"), max_length=255)

    class Meta:
        verbose_name = _("мораторий на пени")
        verbose_name_plural = _("моратории на пени")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="moratorium_ordered"
            )
        ]

    def __str__(self):
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}: {self.grounds}"


class ContractDueDay(models.Model):
    """An organization's earlier due day by its management contract, from a billing month
    on (ЖК РФ ст. 155 ч. 1: the 10th, from the March 2026 bill the 15th, unless the contract
    sets another day). A later day than the law's is not applied."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="due_days",
        verbose_name=_("организация"),
    )
    valid_from = models.DateField(
        _("с расчетного месяца"), help_text=_("Первое число месяца, с квитанции за который.")
    )
    day = models.PositiveSmallIntegerField(
        _("оплатить до (число следующего месяца)"),
        validators=[MinValueValidator(1), MaxValueValidator(15)],
    )
    created_at = models.DateTimeField(_("внесено"), auto_now_add=True)

    class Meta:
        verbose_name = _("срок оплаты по договору")
        verbose_name_plural = _("сроки оплаты по договору")
        ordering = ["organization", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "valid_from"], name="contract_due_day_once_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__day=1), name="contract_due_day_from_month_start"
            ),
            models.CheckConstraint(
                condition=models.Q(day__gte=1, day__lte=15), name="contract_due_day_range"
            ),
        ]

    def __str__(self):
        return f"{self.organization}: {self.day} с {self.valid_from:%m.%Y}"


class PenaltyLine(AppendOnlyModel):
    """One row of a period's penalty breakdown: a part of one month's debt over days of one
    share and rate. Written and replaced with its `Penalty` by the billing run; frozen with
    the period (the closed period's guard, kabinet/billing/sql.py)."""

    penalty = models.ForeignKey(
        Penalty, on_delete=models.PROTECT, related_name="lines", verbose_name=_("пени")
    )
    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("период")
    )
    month = models.DateField(_("долг за месяц"))
    due = models.DateField(_("срок оплаты"))
    capital_repair = models.BooleanField(_("взнос на капремонт"), default=False)
    debt = models.DecimalField(_("сумма долга"), **MONEY)
    paid_on = models.DateField(_("оплачен"), null=True, blank=True)
    start = models.DateField(_("с"))
    end = models.DateField(_("по"))
    days = models.PositiveIntegerField(_("дней"))
    share = models.PositiveSmallIntegerField(_("доля ставки, 1/…"))
    rate = models.DecimalField(_("ставка, %"), **RATE)
    amount = models.DecimalField(_("сумма"), max_digits=20, decimal_places=8)

    class Meta:
        verbose_name = _("строка расчета пеней")
        verbose_name_plural = _("строки расчета пеней")
        ordering = ["penalty", "month", "capital_repair", "start", "id"]

    def __str__(self):
        return (
            f"{self.debt} {self.start:%d.%m.%Y}–{self.end:%d.%m.%Y} 1/{self.share} {self.rate} %"
        )

"""Recalculations (перерасчет) with their grounds, and temporary absence that causes them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.housing.models import PersonalAccount

from .fields import MONEY, PRECISE
from .periods import BillingPeriod
from .tariffs import Service


class Recalculation(models.Model):
    """A correction of one service's charge for an earlier or the current month, booked in
    an open period's "Перерасчет" column with its grounds (docs/billing.md).

    Staff enter them (`billing.services.recalculation_add`); the run computes those for
    temporary absence and for real readings below the computed ones, and replaces them on
    every run. A recalculation of a closed month lands in the next open period.
    """

    class Kind(models.TextChoices):
        MANUAL = "manual", _("перерасчет")
        ABSENCE = "absence", _("временное отсутствие")
        READINGS = "readings", _("по фактическим показаниям")

    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="recalculations",
        verbose_name=_("лицевой счет"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("услуга")
    )
    period = models.ForeignKey(
        BillingPeriod,
        on_delete=models.PROTECT,
        related_name="recalculations",
        verbose_name=_("отражен в периоде"),
    )
    concerns_month = models.DateField(_("за месяц"), help_text=_("Первое число месяца."))
    kind = models.CharField(_("вид"), max_length=8, choices=Kind, default=Kind.MANUAL)
    volume = models.DecimalField(_("объем"), null=True, blank=True, **PRECISE)
    amount = models.DecimalField(_("сумма"), **MONEY)
    reason = models.CharField(_("основание"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("внес"),
    )
    created_at = models.DateTimeField(_("внесен"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("перерасчет")
        verbose_name_plural = _("перерасчеты")
        ordering = ["period", "account", "service", "id"]
        indexes = [
            models.Index(fields=["period", "account", "service"], name="recalculation_line_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(concerns_month__day=1), name="recalculation_month_first_day"
            ),
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="recalculation_amount_not_zero"
            ),
        ]

    def __str__(self):
        return f"{self.service}: {self.amount} ({self.reason})"


class TemporaryAbsence(models.Model):
    """Residents away from the premises (ПП 354 пп. 86-93): services billed without an
    individual meter are recalculated for more than 5 full days away."""

    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="absences",
        verbose_name=_("лицевой счет"),
    )
    departed_on = models.DateField(_("дата отъезда"))
    returned_on = models.DateField(_("дата возвращения"))
    persons = models.PositiveSmallIntegerField(_("отсутствовало человек"), default=1)
    document = models.CharField(
        _("подтверждающий документ"), max_length=255, help_text=_("Например, проездные билеты.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("внес"),
    )
    created_at = models.DateTimeField(_("внесено"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("временное отсутствие")
        verbose_name_plural = _("временное отсутствие")
        ordering = ["account", "-departed_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(returned_on__gt=models.F("departed_on")),
                name="absence_return_after_departure",
                violation_error_message=_("Дата возвращения должна быть позже даты отъезда."),
            ),
            models.CheckConstraint(
                condition=models.Q(persons__gte=1), name="absence_at_least_one_person"
            ),
        ]

    def __str__(self):
        return f"{self.departed_on:%d.%m.%Y}–{self.returned_on:%d.%m.%Y}"

    @property
    def full_days(self) -> int:
        """Full calendar days away: neither the day of departure nor that of return."""
        return (self.returned_on - self.departed_on).days - 1

"""Billing periods: calendar months of one organization."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.housing.models import Organization


class BillingPeriod(models.Model):
    """A calendar month of one organization's billing: open until the accountant closes it
    (`billing.run.period_close`), which freezes its lines for good."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="periods",
        verbose_name=_("организация"),
    )
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    is_closed = models.BooleanField(_("закрыт"), default=False)
    closed_at = models.DateTimeField(_("дата закрытия"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("закрыл"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("расчетный период")
        verbose_name_plural = _("расчетные периоды")
        ordering = ["organization", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="period_month_unique"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="period_month_first_day"
            ),
        ]

    def __str__(self):
        from kabinet.core.periods import month_label

        return month_label(self.month)

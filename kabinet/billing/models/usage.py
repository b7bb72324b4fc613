"""Consumption the billing run found: per meter zone, and by the house's common meter."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.housing.models import House, PersonalAccount
from kabinet.meters.models import Meter

from .fields import PRECISE
from .periods import BillingPeriod
from .tariffs import Service


class MeterUsage(models.Model):
    """What one meter zone used in one period and how the run found it (docs/billing.md).

    Written by the run with the period's charges and replaced with them; frozen when the
    period is closed. The receipt's meter readings and the average fallback read it.
    """

    class Method(models.TextChoices):
        READINGS = "readings", _("по показаниям")
        AVERAGE = "average", _("по среднему (показания не переданы)")
        NORM = "norm", _("по нормативу (показания не переданы)")
        REPLACEMENT = "replacement", _("по показаниям, с заменой счетчика")

    # Both looked up through the constraint's and the index's leading columns below: an
    # index of their own would only be written, a million rows a run.
    period = models.ForeignKey(
        BillingPeriod,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("период"),
        db_index=False,
    )
    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("лицевой счет"),
        db_index=False,
    )
    meter = models.ForeignKey(
        Meter, on_delete=models.CASCADE, related_name="+", verbose_name=_("прибор учета")
    )
    resource = models.CharField(_("ресурс"), max_length=16)
    zone = models.PositiveSmallIntegerField(_("зона"), default=1)
    start_value = models.DecimalField(_("начальное показание"), null=True, **PRECISE)
    end_value = models.DecimalField(_("конечное показание"), null=True, **PRECISE)
    volume = models.DecimalField(_("расход"), **PRECISE)
    method = models.CharField(_("как определен"), max_length=12, choices=Method)

    class Meta:
        verbose_name = _("расход по счетчику")
        verbose_name_plural = _("расход по счетчикам")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "meter", "zone"], name="meter_usage_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["account", "period"], name="meter_usage_account_idx")]

    def __str__(self):
        return f"{self.meter_id}/{self.zone}: {self.volume}"


class HouseResourceVolume(models.Model):
    """The month's volume of a resource by the house's common meter (ОДПУ), entered by
    staff: what the house used, the premises' own use included."""

    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="resource_volumes", verbose_name=_("дом")
    )
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    resource = models.CharField(_("ресурс"), max_length=16, choices=Service.Resource)
    volume = models.DecimalField(_("объем по общедомовому прибору"), **PRECISE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("показание общедомового прибора")
        verbose_name_plural = _("показания общедомовых приборов")
        ordering = ["house", "-month", "resource"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "month", "resource"], name="house_volume_once_per_month"
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="house_volume_month"),
            models.CheckConstraint(
                condition=models.Q(volume__gte=0), name="house_volume_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.house}: {self.get_resource_display()} {self.volume}"

"""Meters (приборы учета) of premises and their monthly readings."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.housing.models import Premises


class Meter(models.Model):
    class Resource(models.TextChoices):
        COLD_WATER = "cold_water", _("Холодная вода")
        HOT_WATER = "hot_water", _("Горячая вода")
        ELECTRICITY = "electricity", _("Электроэнергия")
        GAS = "gas", _("Газ")
        HEATING = "heating", _("Отопление")

    premises = models.ForeignKey(
        Premises, on_delete=models.PROTECT, related_name="meters", verbose_name=_("помещение")
    )
    resource = models.CharField(_("ресурс"), max_length=16, choices=Resource)
    serial_number = models.CharField(_("заводской номер"), max_length=40)
    tariff_zones = models.PositiveSmallIntegerField(
        _("тарифных зон"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("Для электроэнергии: 1, 2 (день/ночь) или 3 зоны."),
    )
    capacity_digits = models.PositiveSmallIntegerField(
        _("разрядность (целая часть)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    decimal_places = models.PositiveSmallIntegerField(
        _("знаков после запятой"), default=0, validators=[MaxValueValidator(3)]
    )
    installed_on = models.DateField(_("дата установки"))
    next_verification_on = models.DateField(_("дата следующей поверки"), null=True, blank=True)
    removed_on = models.DateField(_("дата снятия"), null=True, blank=True)

    class Meta:
        verbose_name = _("прибор учета")
        verbose_name_plural = _("приборы учета")
        ordering = ["premises", "resource", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "serial_number"], name="meter_serial_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(tariff_zones=1) | models.Q(resource="electricity"),
                name="meter_zones_only_for_electricity",
                violation_error_message=_(
                    "Несколько тарифных зон бывает только у электросчетчика."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_resource_display()} № {self.serial_number}"


class Reading(models.Model):
    """The reading of one meter zone that counts for one month.

    `kind` says what it closes: a month's reading (`regular`, the end of that month's
    consumption), the reading at installation (`initial`, the start of the meter's first
    month) or at removal (`final`, the end of its last month, added to the new meter's
    consumption when a meter is replaced). One of each kind per meter, month and zone:
    a correction replaces the value that counts (its history is the meters app's to keep).
    `source` says who gave it: the resident, staff, or the billing run (computed).
    """

    class Kind(models.TextChoices):
        REGULAR = "regular", _("показание за месяц")
        INITIAL = "initial", _("начальное (при установке)")
        FINAL = "final", _("конечное (при снятии)")

    class Source(models.TextChoices):
        RESIDENT = "resident", _("передано жильцом")
        STAFF = "staff", _("внесено сотрудником")
        COMPUTED = "computed", _("расчетное (по среднему или нормативу)")

    meter = models.ForeignKey(
        Meter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("прибор учета")
    )
    period = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    zone = models.PositiveSmallIntegerField(
        _("зона"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    kind = models.CharField(_("вид"), max_length=8, choices=Kind, default=Kind.REGULAR)
    value = models.DecimalField(_("показание"), max_digits=15, decimal_places=3)
    rollover = models.BooleanField(
        _("переход через ноль"),
        default=False,
        help_text=_("Показание меньше предыдущего: счетчик прошел максимальное значение."),
    )
    source = models.CharField(_("источник"), max_length=8, choices=Source)
    submitted_at = models.DateTimeField(_("передано"), auto_now_add=True)

    class Meta:
        verbose_name = _("показание")
        verbose_name_plural = _("показания")
        ordering = ["meter", "-period", "zone"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "period", "zone", "kind"], name="reading_once_per_period"
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="reading_not_negative"),
            models.CheckConstraint(
                condition=models.Q(period__day=1), name="reading_period_first_day"
            ),
        ]

    def __str__(self):
        return f"{self.meter}: {self.value}"

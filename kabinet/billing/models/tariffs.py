"""Services and their dated tariffs."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.housing.models import House, Organization
from kabinet.meters.models import Meter

from .fields import PRECISE

WASTEWATER = "wastewater"  # водоотведение: cold and hot water together


class Service(models.Model):
    """A periodic service an organization charges its accounts for (docs/billing.md).

    `method` says what the volume is; a metered service names its `resource` (the meters
    it reads), and falls back to `norm_per_resident` × registered residents for premises
    without a meter or after three months without readings. A service with
    `common_property` also carries the premises' share of the house's common-property
    consumption (ОДН / КР на СОИ) in its own column, capped at `common_norm` per m² of
    the house's common area unless the house decided otherwise.
    """

    class Method(models.TextChoices):
        BY_AREA = "area", _("по площади помещения")
        BY_METER = "meter", _("по прибору учета")
        BY_NORM = "norm", _("по нормативу на жильца")
        FIXED = "fixed", _("фиксированная сумма")

    class Resource(models.TextChoices):
        COLD_WATER = Meter.Resource.COLD_WATER
        HOT_WATER = Meter.Resource.HOT_WATER
        WASTEWATER = WASTEWATER, _("Водоотведение (холодная и горячая вода)")
        ELECTRICITY = Meter.Resource.ELECTRICITY
        GAS = Meter.Resource.GAS
        HEATING = Meter.Resource.HEATING

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("управляющая организация"),
        help_text=_("Организация, которая начисляет услугу по своим лицевым счетам."),
    )
    supplier = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="supplied_services",
        verbose_name=_("поставщик"),
    )
    name = models.CharField(_("услуга"), max_length=120)
    unit = models.CharField(_("единица измерения"), max_length=20, help_text=_("Например, кв. м."))
    method = models.CharField(_("способ расчета"), max_length=8, choices=Method)
    norm_per_resident = models.DecimalField(
        _("норматив на жильца в месяц"),
        null=True,
        blank=True,
        help_text=_("Для расчета по нормативу: объем на одного зарегистрированного жильца."),
        **PRECISE,
    )
    resource = models.CharField(
        _("ресурс"),
        max_length=16,
        choices=Resource,
        blank=True,
        help_text=_(
            "Для расчета по прибору учета: показания каких счетчиков. Отопление не "
            "пересчитывается за время отсутствия жильцов."
        ),
    )
    common_property = models.BooleanField(
        _("начислять на общедомовые нужды (СОИ)"),
        default=False,
        help_text=_(
            "Доля помещения в общедомовом потреблении ресурса, по площади, отдельным столбцом."
        ),
    )
    common_norm = models.DecimalField(
        _("норматив на СОИ на 1 кв. м общего имущества в месяц"),
        null=True,
        blank=True,
        **PRECISE,
    )
    capital_repair = models.BooleanField(
        _("взнос на капитальный ремонт"),
        default=False,
        help_text=_("Пени на взнос начисляются по 1/300 ставки за весь срок просрочки."),
    )
    sort_order = models.PositiveSmallIntegerField(_("порядок в квитанции"), default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")
        ordering = ["organization", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="service_name_unique"),
            models.CheckConstraint(
                condition=~models.Q(method="meter") | ~models.Q(resource=""),
                name="service_metered_has_resource",
                violation_error_message=_("Для расчета по прибору учета укажите ресурс."),
            ),
        ]

    def __str__(self):
        return self.name


# Zone names by the number of zones of a meter and the zone (the meter's register T1-T3).
ZONE_NAMES = {
    (2, 1): _("день"),
    (2, 2): _("ночь"),
    (3, 1): _("пик"),
    (3, 2): _("ночь"),
    (3, 3): _("полупик"),
}


class Tariff(models.Model):
    """A price per unit of a service, valid over dates; history is kept, never overwritten.

    A house-scoped tariff wins over the organization-wide one for that house. Added and
    closed through `services.tariff_add` and `services.tariff_close`, which refuse overlaps.
    Electricity read by a two- or three-zone meter is priced per zone: such tariffs carry
    the meter's number of `zones` and the `zone` (T1-T3) they price; every other tariff is
    single-rate (1 of 1).
    """

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="tariffs", verbose_name=_("услуга")
    )
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tariffs",
        verbose_name=_("дом"),
        help_text=_("Пусто: тариф действует для всех домов организации."),
    )
    zones = models.PositiveSmallIntegerField(
        _("зон у счетчика"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    zone = models.PositiveSmallIntegerField(
        _("зона"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    price = models.DecimalField(_("тариф, ₽ за единицу"), **PRECISE)
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)
    created_at = models.DateTimeField(_("внесен"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("тариф")
        verbose_name_plural = _("тарифы")
        ordering = ["service", "house", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="tariff_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="tariff_valid_range_ordered",
                violation_error_message=_("«Действует по» не может быть раньше «действует с»."),
            ),
            models.CheckConstraint(
                condition=models.Q(zone__lte=models.F("zones")), name="tariff_zone_in_scheme"
            ),
            models.UniqueConstraint(
                fields=["service", "house", "zones", "zone", "valid_from"],
                condition=models.Q(house__isnull=False),
                name="tariff_unique_start_per_house",
                violation_error_message=_("Тариф этой услуги с такой даты уже есть."),
            ),
            models.UniqueConstraint(
                fields=["service", "zones", "zone", "valid_from"],
                condition=models.Q(house__isnull=True),
                name="tariff_unique_start",
                violation_error_message=_("Тариф этой услуги с такой даты уже есть."),
            ),
        ]

    def __str__(self):
        return gettext("%(service)s: %(price)s с %(date)s") % {
            "service": self.service if self.zones == 1 else f"{self.service} ({self.zone_name})",
            "price": self.price,
            "date": f"{self.valid_from:%d.%m.%Y}",
        }

    @property
    def zone_name(self) -> str:
        return str(ZONE_NAMES.get((self.zones, self.zone), ""))

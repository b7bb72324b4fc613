"""Services and their dated tariffs."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.housing.models import House, Organization

from .fields import PRECISE


class Service(models.Model):
    class Method(models.TextChoices):
        BY_AREA = "area", _("по площади помещения")
        BY_METER = "meter", _("по прибору учета")
        BY_NORM = "norm", _("по нормативу на жильца")
        FIXED = "fixed", _("фиксированная сумма")

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
    sort_order = models.PositiveSmallIntegerField(_("порядок в квитанции"), default=100)

    class Meta:
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")
        ordering = ["organization", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="service_name_unique")
        ]

    def __str__(self):
        return self.name


class Tariff(models.Model):
    """A price per unit of a service, valid over dates; history is kept, never overwritten.

    A house-scoped tariff wins over the organization-wide one for that house. Added and
    closed through `services.tariff_add` and `services.tariff_close`, which refuse overlaps.
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
    price = models.DecimalField(_("тариф, ₽ за единицу"), **PRECISE)
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)
    created_at = models.DateTimeField(_("внесен"), auto_now_add=True)

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
            models.UniqueConstraint(
                fields=["service", "house", "valid_from"],
                condition=models.Q(house__isnull=False),
                name="tariff_unique_start_per_house",
                violation_error_message=_("Тариф этой услуги с такой даты уже есть."),
            ),
            models.UniqueConstraint(
                fields=["service", "valid_from"],
                condition=models.Q(house__isnull=True),
                name="tariff_unique_start",
                violation_error_message=_("Тариф этой услуги с такой даты уже есть."),
            ),
        ]

    def __str__(self):
        return gettext("%(service)s: %(price)s с %(date)s") % {
            "service": self.service,
            "price": self.price,
            "date": f"{self.valid_from:%d.%m.%Y}",
        }

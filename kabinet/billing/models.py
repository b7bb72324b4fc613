"""Services, dated tariffs, billing periods and the money ledgers.

Rules live in services.py (a tariff's fit in its history: `tariff_check`; a closed
period takes no lines: `charge_add`, `penalty_add`); the models hold what the database
can enforce.

Ledgers (Charge, Penalty, Payment) are append-only: rows are never edited or
deleted; a correction is a new row; a balance is a sum (see selectors.py).
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.housing.models import House, Organization, PersonalAccount

MONEY = {"max_digits": 14, "decimal_places": 2}
PRECISE = {"max_digits": 18, "decimal_places": 6}


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} is append-only: add a correcting row instead.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} is append-only: add a correcting row instead.")


class LedgerRow(models.Model):
    """Base for ledger rows: saved once, never changed, never deleted."""

    created_at = models.DateTimeField(_("проведено"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} is append-only: add a correcting row instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} is append-only: add a correcting row instead.")


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


class BillingPeriod(models.Model):
    """A calendar month of one organization's billing: open until the accountant closes it."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="periods",
        verbose_name=_("организация"),
    )
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    is_closed = models.BooleanField(_("закрыт"), default=False)
    closed_at = models.DateTimeField(_("дата закрытия"), null=True, blank=True)

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

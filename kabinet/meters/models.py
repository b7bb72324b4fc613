"""Meters (приборы учета) of premises, their monthly readings, the history of every value
given, and the reading reminders sent. Rules: docs/meters.md."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.append_only import AppendOnlyModel
from kabinet.housing.models import AccountLink, Premises

# The unit of each resource's readings, as the resident pages print it.
UNITS = {
    "cold_water": _("м³"),
    "hot_water": _("м³"),
    "electricity": _("кВт·ч"),
    "gas": _("м³"),
    "heating": _("Гкал"),
}
# Tariff zones of electricity meters: Т1/Т2 for two zones, Т1/Т2/Т3 for three.
ZONE_NAMES = {
    1: {1: ""},
    2: {1: _("Т1 (день)"), 2: _("Т2 (ночь)")},
    3: {1: _("Т1 (пик)"), 2: _("Т2 (ночь)"), 3: _("Т3 (полупик)")},
}


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
        # Staff and contractors' files find a meter by its serial alone.
        indexes = [models.Index(fields=["serial_number"], name="meter_serial_idx")]

    def __str__(self):
        return f"{self.get_resource_display()} № {self.serial_number}"

    @property
    def capacity(self) -> Decimal:
        """The first value the dial cannot show: 10⁵ for five digits (99999 → 00000)."""
        return Decimal(10) ** self.capacity_digits

    @property
    def unit(self) -> str:
        return str(UNITS.get(self.resource, ""))

    @property
    def zones(self) -> range:
        return range(1, self.tariff_zones + 1)

    def zone_name(self, zone: int) -> str:
        """ "Т1 (день)" for a zone of a multi-zone meter, "" for a single-zone one."""
        return str(ZONE_NAMES.get(self.tariff_zones, {}).get(zone, zone))


class Reading(models.Model):
    """The reading of one meter zone that counts for one month.

    `kind` says what it closes: a month's reading (`regular`, the end of that month's
    consumption), the reading at installation (`initial`, the start of the meter's first
    month) or at removal (`final`, the end of its last month, added to the new meter's
    consumption when a meter is replaced). One of each kind per meter, month and zone:
    a correction replaces the value that counts; every value given is kept in
    `ReadingSubmission`. `source` says who gave it: the resident, staff, or the billing
    run (computed). `rollover`: the dial passed its capacity since the previous reading,
    so the consumption is value + capacity − previous (docs/meters.md).
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
        help_text=_("Счетчик с прошлого показания дошел до предела и начал счет с нуля."),
    )
    source = models.CharField(_("источник"), max_length=8, choices=Source)
    # When the value that counts was given (a correction moves it).
    submitted_at = models.DateTimeField(_("передано"), default=timezone.now)

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
        indexes = [models.Index(fields=["period", "source"], name="reading_period_source_idx")]

    def __str__(self):
        return f"{self.meter}: {self.value}"


class ReadingSubmission(AppendOnlyModel):
    """Every value given for a meter zone and month, by whom, when and how: append-only.

    The value that counts is the `Reading`; this is its history ("earlier ones stay in
    the history"). `key` is the idempotency key of the form or file line that gave it:
    one row per key, meter, zone and kind, so a form sent twice records one submission.
    """

    class Channel(models.TextChoices):
        CABINET = "cabinet", _("кабинет жильца")
        ADMIN = "admin", _("управление, вручную")
        IMPORT = "import", _("загрузка файла")
        REPLACEMENT = "replace", _("установка или замена счетчика")

    meter = models.ForeignKey(
        Meter,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("прибор учета"),
    )
    period = models.DateField(_("месяц"))
    zone = models.PositiveSmallIntegerField(_("зона"), default=1)
    kind = models.CharField(_("вид"), max_length=8, choices=Reading.Kind)
    value = models.DecimalField(_("показание"), max_digits=15, decimal_places=3)
    rollover = models.BooleanField(_("переход через ноль"), default=False)
    jump_confirmed = models.BooleanField(_("большой расход подтвержден"), default=False)
    source = models.CharField(_("источник"), max_length=8, choices=Reading.Source)
    channel = models.CharField(_("способ"), max_length=8, choices=Channel)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("пользователь"),
    )
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    key = models.CharField(_("ключ отправки"), max_length=80)
    note = models.CharField(_("примечание"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("время"), default=timezone.now)

    class Meta:
        verbose_name = _("переданное показание")
        verbose_name_plural = _("история переданных показаний")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "meter", "zone", "kind"], name="reading_submission_once"
            ),
            models.CheckConstraint(
                condition=models.Q(period__day=1), name="reading_submission_period_first_day"
            ),
        ]
        indexes = [
            models.Index(fields=["meter", "period"], name="reading_submission_meter_idx"),
        ]

    def __str__(self):
        return f"{self.meter}: {self.value} ({self.created_at:%d.%m.%Y %H:%M})"


class ReadingReminder(models.Model):
    """One reminder per account link and month: claimed when queued, stamped when sent."""

    link = models.ForeignKey(
        AccountLink,
        on_delete=models.CASCADE,
        related_name="reading_reminders_sent",
        verbose_name=_("привязка лицевого счета"),
    )
    month = models.DateField(_("месяц"))
    created_at = models.DateTimeField(_("поставлено в очередь"), default=timezone.now)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    error = models.CharField(_("ошибка"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("напоминание о показаниях")
        verbose_name_plural = _("напоминания о показаниях")
        ordering = ["-month", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["link", "month"], name="reading_reminder_once"),
        ]

    def __str__(self):
        return f"{self.link_id} {self.month:%m.%Y}"

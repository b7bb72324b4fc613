"""The back office of meters: meters per premises, installing and replacing a meter,
readings per month with filters (staff entries marked), entering a reading by hand, CSV
export and import with a per-line report, the history of submissions and the reminders
sent. Every write goes through `services` (docs/meters.md)."""

import datetime
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.core.admin import KabinetAdmin, ReadOnlyAdmin, ReadOnlyInline
from kabinet.core.periods import add_months, month_label, month_start
from kabinet.core.security import client_ip
from kabinet.housing.admin import PremisesAdmin as RegistryPremisesAdmin
from kabinet.housing.models import Organization, Premises

from . import exchange, rules, selectors, services, window
from .models import Meter, Reading, ReadingReminder, ReadingSubmission

MAX_UPLOAD = 20 * 1024 * 1024  # bytes: a year of readings of 100 000 meters fits


# --- forms ---------------------------------------------------------------------------------


class MonthField(forms.Field):
    """A month typed as 11.2014 (or 2014-11, «ноябрь 2014»)."""

    widget = forms.TextInput(attrs={"size": 10, "maxlength": 20})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", gettext_lazy("Например, 11.2014."))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        return exchange.month_parse(text)

    def prepare_value(self, value):
        return f"{value:%m.%Y}" if isinstance(value, datetime.date) else value


def _value_field(label):
    return forms.CharField(
        label=label,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _errors_to_form(form: forms.Form, error: Exception, value_field: str = "value") -> None:
    """A service's refusal on the form: rule problems next to the value, field errors by field."""
    if isinstance(error, services.ReadingsRefused):
        for message in error.messages():
            form.add_error(value_field, message)
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ReadingEntryForm(forms.Form):
    meter = forms.ModelChoiceField(
        label=gettext_lazy("Прибор учета"),
        queryset=Meter.objects.select_related("premises__house"),
        widget=AutocompleteSelect(Reading._meta.get_field("meter"), admin.site),
    )
    period = MonthField(label=gettext_lazy("Месяц"))
    zone = forms.TypedChoiceField(
        label=gettext_lazy("Зона"), choices=[(1, "1"), (2, "2"), (3, "3")], coerce=int, initial=1
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Вид"), choices=Reading.Kind.choices, initial=Reading.Kind.REGULAR
    )
    value = _value_field(gettext_lazy("Показание"))
    rollover = forms.BooleanField(
        label=gettext_lazy("Счетчик перешел через ноль с прошлого показания"), required=False
    )
    jump_confirmed = forms.BooleanField(
        label=gettext_lazy("Подтверждаю большой расход (больше трех средних)"), required=False
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean(self):
        cleaned = super().clean()
        meter, text = cleaned.get("meter"), cleaned.get("value")
        if meter is not None and text:
            try:
                cleaned["value"] = rules.value_parse(
                    text,
                    capacity_digits=meter.capacity_digits,
                    decimal_places=meter.decimal_places,
                )
            except ValidationError as error:
                self.add_error("value", error)
        return cleaned


class MeterForm(forms.Form):
    """A meter being installed (alone or in place of another)."""

    serial_number = forms.CharField(label=gettext_lazy("Заводской номер"), max_length=40)
    installed_on = forms.DateField(label=gettext_lazy("Дата установки"))
    tariff_zones = forms.TypedChoiceField(
        label=gettext_lazy("Тарифных зон"), choices=[(1, "1"), (2, "2"), (3, "3")], coerce=int
    )
    capacity_digits = forms.IntegerField(
        label=gettext_lazy("Разрядность (цифр до запятой)"), min_value=1, max_value=9, initial=5
    )
    decimal_places = forms.IntegerField(
        label=gettext_lazy("Знаков после запятой"), min_value=0, max_value=3, initial=0
    )
    next_verification_on = forms.DateField(
        label=gettext_lazy("Дата следующей поверки"), required=False
    )
    initial_1 = _value_field(gettext_lazy("Начальное показание (зона 1)"))
    initial_2 = _value_field(gettext_lazy("Начальное показание (зона 2, у двух- и трехтарифных)"))
    initial_3 = _value_field(gettext_lazy("Начальное показание (зона 3, у трехтарифных)"))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for zone in (2, 3):
            self.fields[f"initial_{zone}"].required = False

    def clean(self):
        cleaned = super().clean()
        zones = cleaned.get("tariff_zones") or 1
        digits, places = cleaned.get("capacity_digits"), cleaned.get("decimal_places")
        values = {}
        for zone in (1, 2, 3):
            text = cleaned.get(f"initial_{zone}")
            if zone > zones:
                if text:
                    self.add_error(f"initial_{zone}", _("У счетчика нет этой зоны."))
                continue
            if not text:
                self.add_error(f"initial_{zone}", _("Укажите начальное показание."))
            elif digits is not None and places is not None:
                try:
                    values[zone] = rules.value_parse(
                        text, capacity_digits=digits, decimal_places=places
                    )
                except ValidationError as error:
                    self.add_error(f"initial_{zone}", error)
        cleaned["initial_values"] = values
        return cleaned

    def new_meter(self) -> services.NewMeter:
        data = self.cleaned_data
        return services.NewMeter(
            serial_number=data["serial_number"],
            installed_on=data["installed_on"],
            tariff_zones=data["tariff_zones"],
            capacity_digits=data["capacity_digits"],
            decimal_places=data["decimal_places"],
            next_verification_on=data.get("next_verification_on"),
        )


class ReplaceForm(MeterForm):
    removed_on = forms.DateField(label=gettext_lazy("Дата снятия"))
    final_1 = _value_field(gettext_lazy("Конечное показание (зона 1)"))
    final_2 = _value_field(gettext_lazy("Конечное показание (зона 2)"))
    final_3 = _value_field(gettext_lazy("Конечное показание (зона 3)"))
    rollover = forms.BooleanField(
        label=gettext_lazy("Перешел через ноль с прошлого показания"),
        required=False,
    )
    jump_confirmed = forms.BooleanField(
        label=gettext_lazy("Подтверждаю большой расход (больше трех средних)"), required=False
    )

    field_order = ["removed_on", "final_1", "final_2", "final_3", "rollover", "jump_confirmed"]
    fieldsets = (
        (
            gettext_lazy("Старый счетчик"),
            ("removed_on", "final_1", "final_2", "final_3", "rollover", "jump_confirmed"),
        ),
        (
            gettext_lazy("Новый счетчик"),
            (
                "serial_number",
                "installed_on",
                "tariff_zones",
                "capacity_digits",
                "decimal_places",
                "next_verification_on",
                "initial_1",
                "initial_2",
                "initial_3",
            ),
        ),
    )

    def __init__(self, *args, old: Meter, **kwargs):
        super().__init__(*args, **kwargs)
        self.old = old
        for zone in (1, 2, 3):
            if zone > old.tariff_zones:
                del self.fields[f"final_{zone}"]

    def clean(self):
        cleaned = super().clean()
        finals = {}
        for zone in self.old.zones:
            text = cleaned.get(f"final_{zone}")
            if not text:
                continue
            try:
                finals[zone] = rules.value_parse(
                    text,
                    capacity_digits=self.old.capacity_digits,
                    decimal_places=self.old.decimal_places,
                )
            except ValidationError as error:
                self.add_error(f"final_{zone}", error)
        cleaned["final_values"] = finals
        return cleaned


class ExportForm(forms.Form):
    period = MonthField(label=gettext_lazy("Месяц"))
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Управляющая организация"),
        queryset=Organization.objects.filter(is_management_company=True),
        required=False,
        empty_label=gettext_lazy("все"),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Файл CSV"),
        help_text=gettext_lazy(
            "Столбцы как в выгрузке: «Заводской номер», «Месяц», «Показание» обязательны; "
            "«Ресурс», «Зона», «Лицевой счет», «Переход через ноль» — по желанию."
        ),
    )
    confirm_jumps = forms.BooleanField(
        label=gettext_lazy("Принимать показания с расходом больше трех средних"),
        required=False,
        help_text=gettext_lazy("Без этой отметки такие строки попадут в отчет как ошибки."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise ValidationError(_("Файл больше 20 МБ: разбейте его на части."))
        return upload


def _field_groups(form: forms.Form) -> list[tuple[str | None, list]]:
    """The form's visible fields in its `fieldsets` (title, names), or all in one group."""
    fieldsets = getattr(form, "fieldsets", None)
    if not fieldsets:
        return [(None, form.visible_fields())]
    return [
        (title, [form[name] for name in names if name in form.fields])
        for title, names in fieldsets
    ]


# --- meters ------------------------------------------------------------------------------------


class VerificationFilter(admin.SimpleListFilter):
    title = gettext_lazy("поверка")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("срок истек")),
            ("soon", _("в ближайшие 60 дней")),
        ]

    def queryset(self, request, queryset):
        today = window.local_now().date()
        soon = today + datetime.timedelta(days=selectors.VERIFICATION_WARNING_DAYS)
        in_service = queryset.filter(removed_on__isnull=True)
        if self.value() == "overdue":
            return in_service.filter(next_verification_on__lt=today)
        if self.value() == "soon":
            return in_service.filter(
                next_verification_on__gte=today, next_verification_on__lte=soon
            )
        return queryset


class InServiceFilter(admin.SimpleListFilter):
    title = gettext_lazy("состояние")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("работает")), ("removed", _("снят"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(removed_on__isnull=True)
        if self.value() == "removed":
            return queryset.filter(removed_on__isnull=False)
        return queryset


class ReadingInline(ReadOnlyInline):
    """The meter's readings of the last two years, read-only: a correction goes through
    "Внести показание", the whole history is under "Все показания"."""

    model = Reading
    fields = ("period", "zone", "kind", "value", "rollover", "source", "submitted_at")
    readonly_fields = fields
    ordering = ("-period", "zone")
    verbose_name_plural = gettext_lazy("показания за два года")

    def get_queryset(self, request):
        since = add_months(window.local_now().date(), -24)
        return super().get_queryset(request).filter(period__gte=since)


@admin.register(Meter)
class MeterAdmin(KabinetAdmin):
    list_display = (
        "serial_number",
        "resource",
        "premises",
        "tariff_zones",
        "installed_on",
        "verification_display",
        "removed_on",
    )
    list_filter = (
        InServiceFilter,
        VerificationFilter,
        "resource",
        "premises__house__organization",
    )
    search_fields = (
        "serial_number",
        "premises__number",
        "premises__house__street",
        "premises__accounts__number",
    )
    list_select_related = ("premises__house",)
    fields = (
        "premises",
        "resource",
        "serial_number",
        "tariff_zones",
        "capacity_digits",
        "decimal_places",
        "installed_on",
        "next_verification_on",
        "removed_on",
    )
    # Premises, resource, zones and dates are set by "install" and "replace" (with their
    # readings); a typo in the serial, the dial or the next verification can be fixed here.
    readonly_fields = ("premises", "resource", "tariff_zones", "installed_on", "removed_on")
    inlines = [ReadingInline]
    actions = ["replace_meter"]
    change_form_template = "admin/meters/meter/change_form.html"
    change_list_template = "admin/meters/meter/change_list.html"

    @admin.display(description=gettext_lazy("следующая поверка"), ordering="next_verification_on")
    def verification_display(self, meter):
        if meter.next_verification_on is None:
            return "—"
        state = selectors.verification(meter, today=window.local_now().date()).state
        text = f"{meter.next_verification_on:%d.%m.%Y}"
        if meter.removed_on is None and state == "overdue":
            return format_html(
                '<strong class="errornote-inline">{} ({})</strong>', text, _("истекла")
            )
        if meter.removed_on is None and state == "soon":
            return format_html("<strong>{} ({})</strong>", text, _("скоро"))
        return text

    def has_add_permission(self, request):
        return False  # a meter is installed with its initial reading: "Установить счетчик"

    def has_delete_permission(self, request, obj=None):
        return False  # readings refer to it; a removed meter is replaced, not deleted

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, True if search_term else may_have_duplicates

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("install/", wrap(self.install_view), name="meters_meter_install"),
            path("<int:meter_id>/replace/", wrap(self.replace_view), name="meters_meter_replace"),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Заменить счетчик"))
    def replace_meter(self, request, queryset):
        meters = list(queryset[:2])
        if len(meters) != 1:
            self.message_user(
                request, _("Выберите один счетчик, который заменяете."), messages.WARNING
            )
            return None
        return HttpResponseRedirect(reverse("admin:meters_meter_replace", args=[meters[0].pk]))

    def _can_install(self, request) -> bool:
        return request.user.has_perm("meters.add_meter") and request.user.has_perm(
            "meters.add_reading"
        )

    def install_view(self, request):
        if not self._can_install(request):
            raise PermissionDenied
        premises = (
            Premises.objects.select_related("house")
            .filter(pk=request.GET.get("premises") or request.POST.get("premises_id") or 0)
            .first()
        )
        if premises is None:
            self.message_user(
                request,
                _("Откройте помещение и нажмите «Установить счетчик» на его странице."),
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:housing_premises_changelist"))
        resource_field = forms.ChoiceField(label=_("Ресурс"), choices=Meter.Resource.choices)
        if request.method == "POST":
            form = MeterForm(request.POST)
            form.fields["resource"] = resource_field
            if form.is_valid():
                try:
                    meter = services.meter_install(
                        premises=premises,
                        resource=form.cleaned_data["resource"],
                        new=form.new_meter(),
                        initial_values=form.cleaned_data["initial_values"],
                        user=request.user,
                        key=form.cleaned_data["key"],
                        ip=client_ip(request),
                    )
                except (ValidationError, services.ReadingsRefused) as error:
                    _errors_to_form(form, error, "initial_1")
                else:
                    self.message_user(
                        request,
                        _("Счетчик %(meter)s установлен.") % {"meter": meter},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:meters_meter_change", args=[meter.pk])
                    )
        else:
            today = window.local_now().date()
            form = MeterForm(initial={"installed_on": today, "key": uuid.uuid4().hex})
            form.fields["resource"] = resource_field
        context = {
            **self.admin_site.each_context(request),
            "title": _("Установка счетчика: %(premises)s") % {"premises": premises},
            "form": form,
            "groups": _field_groups(form),
            "premises": premises,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/meters/meter/install.html", context)

    def replace_view(self, request, meter_id: int):
        if not (self._can_install(request) and request.user.has_perm("meters.change_meter")):
            raise PermissionDenied
        old = get_object_or_404(Meter.objects.select_related("premises__house"), pk=meter_id)
        if old.removed_on is not None:
            self.message_user(
                request,
                _("Счетчик %(meter)s уже снят %(day)s.")
                % {"meter": old, "day": f"{old.removed_on:%d.%m.%Y}"},
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:meters_meter_change", args=[old.pk]))
        if request.method == "POST":
            form = ReplaceForm(request.POST, old=old)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    new = services.meter_replace(
                        meter=old,
                        removed_on=data["removed_on"],
                        final_values=data["final_values"],
                        new=form.new_meter(),
                        initial_values=data["initial_values"],
                        user=request.user,
                        key=data["key"],
                        ip=client_ip(request),
                        rollover=data["rollover"],
                        jump_confirmed=data["jump_confirmed"],
                    )
                except (ValidationError, services.ReadingsRefused) as error:
                    _errors_to_form(form, error, "final_1")
                else:
                    self.message_user(
                        request,
                        _("Счетчик %(old)s снят, установлен %(new)s.") % {"old": old, "new": new},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:meters_meter_change", args=[new.pk])
                    )
        else:
            today = window.local_now().date()
            form = ReplaceForm(
                old=old,
                initial={
                    "removed_on": today,
                    "installed_on": today,
                    "tariff_zones": old.tariff_zones,
                    "capacity_digits": old.capacity_digits,
                    "decimal_places": old.decimal_places,
                    "key": uuid.uuid4().hex,
                },
            )
        readings = selectors.readings_by_zone(meter_ids=[old.pk])
        last = [
            (zone, old.zone_name(zone), selectors.last_counting(readings.get((old.pk, zone), [])))
            for zone in old.zones
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Замена счетчика %(meter)s") % {"meter": old},
            "form": form,
            "groups": _field_groups(form),
            "old": old,
            "last": last,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/meters/meter/replace.html", context)


class MeterInline(ReadOnlyInline):
    """The premises' meters; installing and replacing have their own pages."""

    model = Meter
    fields = (
        "resource",
        "serial_number",
        "tariff_zones",
        "installed_on",
        "next_verification_on",
        "removed_on",
    )
    readonly_fields = fields
    show_change_link = True


admin.site.unregister(Premises)


@admin.register(Premises)
class PremisesAdmin(RegistryPremisesAdmin):
    """The registry's premises page with its meters and "Установить счетчик"."""

    inlines = [*RegistryPremisesAdmin.inlines, MeterInline]
    change_form_template = "admin/meters/premises_change_form.html"


# --- readings ----------------------------------------------------------------------------------


class MonthFilter(admin.SimpleListFilter):
    title = gettext_lazy("месяц")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        today = window.local_now().date()
        return [
            (f"{month:%Y-%m}", month_label(month))
            for month in (add_months(today, -n) for n in range(-1, 24))
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            month = datetime.datetime.strptime(self.value(), "%Y-%m").date()
        except ValueError:
            return queryset.none()
        return queryset.filter(period=month)


class OrganizationFilter(admin.SimpleListFilter):
    title = gettext_lazy("управляющая организация")
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        return [
            (str(o.pk), o.name) for o in Organization.objects.filter(is_management_company=True)
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(meter__premises__house__organization_id=self.value())
        return queryset


@admin.register(Reading)
class ReadingAdmin(KabinetAdmin):
    list_display = (
        "address",
        "meter",
        "period_display",
        "zone",
        "value_display",
        "source_display",
        "submitted_at",
    )
    list_filter = (MonthFilter, "source", "kind", "meter__resource", OrganizationFilter)
    search_fields = (
        "meter__serial_number",
        "meter__premises__number",
        "meter__premises__house__street",
        "meter__premises__accounts__number",
    )
    list_select_related = ("meter__premises__house",)
    ordering = ("-period", "meter__premises__house__street", "meter__premises__number", "meter")
    readonly_fields = (
        "meter",
        "period",
        "zone",
        "kind",
        "value",
        "rollover",
        "source",
        "submitted_at",
    )
    fields = readonly_fields
    change_list_template = "admin/meters/reading/change_list.html"
    change_form_template = "admin/meters/reading/change_form.html"
    list_per_page = 100

    @admin.display(description=gettext_lazy("адрес"))
    def address(self, reading):
        premises = reading.meter.premises
        return _("%(street)s, кв. %(number)s") % {
            "street": premises.house.street_address,
            "number": premises.number,
        }

    @admin.display(description=gettext_lazy("месяц"), ordering="period")
    def period_display(self, reading):
        if reading.kind == Reading.Kind.REGULAR:
            return month_label(reading.period)
        return f"{month_label(reading.period)} ({reading.get_kind_display()})"

    @admin.display(description=gettext_lazy("показание"), ordering="value")
    def value_display(self, reading):
        text = rules.format_reading(reading.value, reading.meter.decimal_places)
        return f"{text} ↻" if reading.rollover else text

    @admin.display(description=gettext_lazy("источник"), ordering="source")
    def source_display(self, reading):
        if reading.source == Reading.Source.STAFF:
            return format_html(
                '<strong class="staff-entry">{}</strong>', reading.get_source_display()
            )
        return reading.get_source_display()

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, True if search_term else may_have_duplicates

    def has_change_permission(self, request, obj=None):
        return False  # a correction is a new value: "Внести показание"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export/", wrap(self.export_view), name="meters_reading_export"),
            path("import/", wrap(self.import_view), name="meters_reading_import"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """ "Внести показание": by hand, through the same rules as everything else."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = ReadingEntryForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    accepted = services.reading_enter(
                        meter=data["meter"],
                        period=data["period"],
                        zone=data["zone"],
                        kind=data["kind"],
                        value=data["value"],
                        rollover=data["rollover"],
                        jump_confirmed=data["jump_confirmed"],
                        user=request.user,
                        key=data["key"],
                        ip=client_ip(request),
                    )
                except (ValidationError, services.ReadingsRefused) as error:
                    _errors_to_form(form, error)
                else:
                    self._entered_message(request, accepted)
                    url = reverse("admin:meters_reading_changelist")
                    query = urlencode(
                        {"month": f"{accepted.period:%Y-%m}", "q": accepted.meter.serial_number}
                    )
                    return HttpResponseRedirect(f"{url}?{query}")
        else:
            initial = {"key": uuid.uuid4().hex, "period": month_start(window.local_now().date())}
            for name in ("meter", "zone", "kind"):
                if request.GET.get(name):
                    initial[name] = request.GET[name]
            if request.GET.get("period"):
                initial["period"] = request.GET["period"]
            form = ReadingEntryForm(initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Внести показание"),
            "form": form,
            "groups": _field_groups(form),
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/meters/reading/enter.html", context)

    def _entered_message(self, request, accepted):
        value = rules.format_reading(accepted.value, accepted.meter.decimal_places)
        where = _("%(meter)s за %(month)s") % {
            "meter": accepted.meter,
            "month": month_label(accepted.period),
        }
        if accepted.status == "unchanged":
            text = _("%(where)s: %(value)s — такое показание уже внесено.")
        elif accepted.status == "duplicate":
            text = _("%(where)s: %(value)s — форма уже была отправлена, показание внесено.")
        elif accepted.status == "replaced":
            text = _("%(where)s: внесено %(value)s вместо %(old)s (%(source)s).")
        else:
            text = _("%(where)s: внесено %(value)s.")
        old = accepted.replaced_value
        self.message_user(
            request,
            text
            % {
                "where": where,
                "value": value,
                "old": rules.format_reading(old, accepted.meter.decimal_places) if old else "",
                "source": Reading.Source(accepted.replaced_source).label
                if accepted.replaced_source
                else "",
            },
            messages.SUCCESS,
        )

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(
            request.GET or None, initial={"period": month_start(window.local_now().date())}
        )
        if form.is_bound and form.is_valid():
            month = form.cleaned_data["period"]
            organization = form.cleaned_data.get("organization")
            response = StreamingHttpResponse(
                exchange.export_csv(
                    month=month, organization_id=organization.pk if organization else None
                ),
                content_type="text/csv; charset=utf-8",
            )
            name = f"readings-{month:%Y-%m}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Выгрузка показаний за месяц (CSV)"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/meters/reading/export.html", context)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Загрузка показаний из файла (CSV)"),
            "opts": self.model._meta,
        }
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read()
                try:
                    lines = exchange.readings_import(
                        data=data,
                        filename=upload.name,
                        user=request.user,
                        confirm_jumps=form.cleaned_data["confirm_jumps"],
                        ip=client_ip(request),
                    )
                    first = next(lines, None)
                except exchange.ImportRefused as refused:
                    form.add_error("file", str(refused))
                else:
                    context["filename"] = upload.name
                    return StreamingHttpResponse(
                        self._report(request, context, first, lines),
                        content_type="text/html; charset=utf-8",
                    )
        else:
            form = ImportForm()
        context["form"] = form
        return TemplateResponse(request, "admin/meters/reading/import.html", context)

    def _report(self, request, context, first, lines):
        """The report page, streamed: the head, a row per line as it is imported, totals."""
        page = render_to_string("admin/meters/reading/import_report.html", context, request)
        head, _marker, tail = page.partition("<!-- lines -->")
        yield head
        counts = dict.fromkeys(exchange.STATUS_LABELS, 0)
        for line in [first] if first else []:
            counts[line.status] += 1
            yield self._report_row(line)
        for line in lines:
            counts[line.status] += 1
            yield self._report_row(line)
        totals = ", ".join(
            f"{exchange.STATUS_LABELS[status]}: {count}"
            for status, count in counts.items()
            if count
        )
        yield tail.replace(
            "<!-- totals -->", format_html("{}", totals or _("строк с данными нет"))
        )

    @staticmethod
    def _report_row(line: exchange.ImportLine) -> str:
        return format_html(
            '<tr class="import-{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n',
            line.status,
            line.number,
            line.serial,
            exchange.STATUS_LABELS[line.status],
            line.message,
        )


# --- history, reminders -----------------------------------------------------------------------


@admin.register(ReadingSubmission)
class ReadingSubmissionAdmin(ReadOnlyAdmin):
    """Every value ever given: read-only."""

    list_display = (
        "created_at",
        "meter",
        "period",
        "zone",
        "kind",
        "value",
        "source",
        "channel",
        "user",
        "ip_address",
    )
    list_filter = ("channel", "source", "kind", MonthFilter)
    search_fields = ("meter__serial_number", "user__username", "key", "note")
    list_select_related = ("meter", "user")
    date_hierarchy = "created_at"


@admin.register(ReadingReminder)
class ReadingReminderAdmin(ReadOnlyAdmin):
    list_display = ("month", "link", "created_at", "sent_at", "error")
    list_filter = ("month", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("link__account__number", "link__user__username")
    list_select_related = ("link__account", "link__user")

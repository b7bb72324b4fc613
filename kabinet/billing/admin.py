from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import (
    KabinetAdmin,
    KabinetHistoryAdmin,
    KabinetInline,
    ReadOnlyInline,
    ReadOnlyRowsMixin,
)
from kabinet.core.money import format_money
from kabinet.housing.admin import PersonalAccountAdmin as RegistryAccountAdmin
from kabinet.housing.models import PersonalAccount

from . import services
from .models import (
    Charge,
    ContractDueDay,
    KeyRate,
    Payment,
    Penalty,
    PenaltyCap,
    PenaltyLine,
    PenaltyMoratorium,
    Service,
    Tariff,
)
from .run import admin as run_admin  # noqa: F401 - registers the billing run's pages
from .selectors import account_balance


class TariffForm(forms.ModelForm):
    """Checks a tariff against its service's history (`services.tariff_check`), so that
    an overlap is reported on the form rather than as an error page."""

    class Meta:
        model = Tariff
        fields = ("service", "house", "zones", "zone", "price", "valid_from", "valid_to")

    def clean(self):
        cleaned = super().clean()
        tariff = self.instance
        service = cleaned.get("service") or getattr(tariff, "service", None)
        valid_from = cleaned.get("valid_from") or tariff.valid_from
        if service is None or service.pk is None or valid_from is None:
            return cleaned
        house = cleaned.get("house", tariff.house if tariff.pk else None)
        try:
            services.tariff_check(
                service=service,
                house=house,
                valid_from=valid_from,
                valid_to=cleaned.get("valid_to"),
                zones=cleaned.get("zones", tariff.zones),
                zone=cleaned.get("zone", tariff.zone),
                tariff_id=tariff.pk,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


def _tariff_save(tariff: Tariff, *, adding: bool) -> Tariff:
    if adding:
        return services.tariff_add(
            service=tariff.service,
            house=tariff.house,
            price=tariff.price,
            valid_from=tariff.valid_from,
            valid_to=tariff.valid_to,
            zones=tariff.zones,
            zone=tariff.zone,
        )
    return services.tariff_close(tariff=tariff, valid_to=tariff.valid_to)


class TariffInline(KabinetInline):
    model = Tariff
    form = TariffForm
    extra = 0
    fields = ("house", "zones", "zone", "price", "valid_from", "valid_to")
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return False  # history is kept: close a tariff on its own page, add a new one here

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(KabinetHistoryAdmin):
    list_display = ("name", "unit", "method", "resource", "supplier", "organization", "sort_order")
    list_filter = ("organization", "method", "supplier")
    search_fields = ("name",)
    list_select_related = ("organization", "supplier")
    inlines = [TariffInline]
    fieldsets = (
        (None, {"fields": ("organization", "supplier", "name", "unit", "sort_order")}),
        (_("Расчет"), {"fields": ("method", "resource", "norm_per_resident")}),
        (_("Общедомовые нужды (СОИ)"), {"fields": ("common_property", "common_norm")}),
    )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Tariff:
            return super().save_formset(request, form, formset, change)
        for tariff in formset.save(commit=False):  # new ones only: saved ones are read-only
            tariff.service = form.instance
            _tariff_save(tariff, adding=True)


@admin.register(Tariff)
class TariffAdmin(KabinetHistoryAdmin):
    """Tariffs are history: the price and start of a tariff never change once saved.

    A new price is a new tariff; the old one is closed by setting "действует по".
    """

    form = TariffForm
    list_display = ("service", "house", "zone_name", "price", "valid_from", "valid_to")
    list_filter = ("service__organization", "service")
    search_fields = ("service__name",)
    list_select_related = ("service", "house")
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        saved = _tariff_save(obj, adding=not change)
        obj.pk = saved.pk

    def get_readonly_fields(self, request, obj=None):
        fixed = ("service", "house", "zones", "zone", "price", "valid_from", "created_at")
        return fixed if obj else ("created_at",)

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerAdmin(ReadOnlyRowsMixin, KabinetAdmin):
    pass


@admin.register(Charge)
class ChargeAdmin(LedgerAdmin):
    list_display = (
        "account",
        "period",
        "service",
        "zone",
        "price",
        "volume",
        "amount",
        "common_volume",
        "common_amount",
        "recalculation",
        "total",
    )
    list_filter = ("period__organization", "period__month", "service")
    search_fields = ("account__number", "account__holder_name")
    list_select_related = ("account", "period", "service")

    def has_add_permission(self, request):
        return False  # charges are issued by the billing run


class PenaltyLineInline(ReadOnlyInline):
    model = PenaltyLine
    fields = ("month", "capital_repair", "debt", "paid_on", "start", "end", "days", "share",
              "rate", "amount")  # fmt: skip
    readonly_fields = fields


@admin.register(Penalty)
class PenaltyAdmin(LedgerAdmin):
    """A period's penalty with its breakdown (docs/penalties.md)."""

    list_display = ("account", "period", "amount", "note", "created_at")
    list_filter = ("period__organization", "period__month")
    search_fields = ("account__number",)
    list_select_related = ("account", "period")
    inlines = [PenaltyLineInline]

    def has_add_permission(self, request):
        return False  # penalties are computed by the billing run


@admin.register(Payment)
class PaymentAdmin(ReadOnlyRowsMixin, KabinetHistoryAdmin):
    """Payments can be added (e.g. cash desk, a reversal as a negative amount), never edited."""

    list_display = ("account", "paid_on", "amount", "source", "external_id", "created_at")
    list_filter = ("source", "account__organization")
    search_fields = ("account__number", "external_id")
    list_select_related = ("account",)
    date_hierarchy = "paid_on"
    autocomplete_fields = ("account",)
    fields = ("account", "paid_on", "amount", "source", "external_id", "note")

    def get_fields(self, request, obj=None):
        return (*self.fields, "register_line_link") if obj else self.fields

    def get_readonly_fields(self, request, obj=None):
        return ("register_line_link",) if obj else ()

    @admin.display(description=_("строка реестра"))
    def register_line_link(self, payment):
        line = getattr(payment, "register_line", None)
        if line is None:
            return "—"
        url = reverse("admin:billing_register_change", args=[line.register_id])
        return format_html(
            '<a href="{}">{}</a>',
            f"{url}?outcome=imported#lines",
            _("реестр № %(register)d, строка %(line)d")
            % {"register": line.register_id, "line": line.number},
        )

    def save_model(self, request, obj, form, change):
        payment, created = services.payment_record(
            account=obj.account,
            paid_on=obj.paid_on,
            amount=obj.amount,
            source=obj.source,
            external_id=obj.external_id,
            note=obj.note,
        )
        obj.pk = payment.pk
        if not created:
            messages.warning(
                request,
                _(
                    "Платеж %(id)s уже был проведен %(date)s на %(amount)s ₽: повторно не проводится."
                )
                % {
                    "id": payment.external_id,
                    "date": f"{payment.paid_on:%d.%m.%Y}",
                    "amount": format_money(payment.amount),
                },
            )


admin.site.unregister(PersonalAccount)


@admin.register(PersonalAccount)
class PersonalAccountAdmin(RegistryAccountAdmin):
    """The registry's account page with what billing knows of it: the balance."""

    readonly_fields = ("balance",)

    @admin.display(description=_("долг (+) / переплата (−), ₽"))
    def balance(self, account):
        return format_money(account_balance(account_id=account.pk)) if account.pk else "—"


# The bank registers' back office (upload, check, post; formats; lines).
from .registers import admin as _registers_admin  # noqa: E402, F401


class AddOnlyAdmin(ReadOnlyRowsMixin, KabinetAdmin):
    """Dated rows of the penalty tables: a new row is added, history is never edited or
    deleted (docs/penalties.md)."""


@admin.register(KeyRate)
class KeyRateAdmin(AddOnlyAdmin):
    list_display = ("valid_from", "rate", "kind", "created_at", "created_by")
    list_filter = ("kind",)
    fields = ("valid_from", "rate", "kind")
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PenaltyCap)
class PenaltyCapAdmin(AddOnlyAdmin):
    list_display = ("start", "end", "kind", "rate", "grounds")


@admin.register(PenaltyMoratorium)
class PenaltyMoratoriumAdmin(AddOnlyAdmin):
    list_display = ("start", "end", "debts_due_before", "grounds")


@admin.register(ContractDueDay)
class ContractDueDayAdmin(AddOnlyAdmin):
    list_display = ("organization", "valid_from", "day", "created_at")
    list_filter = ("organization",)
    list_select_related = ("organization",)

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import KabinetAdmin, KabinetInline
from kabinet.core.money import format_money

from .models import BillingPeriod, Charge, Payment, Penalty, Service, Tariff
from .services import payment_record


class TariffInline(KabinetInline):
    model = Tariff
    extra = 0
    fields = ("house", "price", "valid_from", "valid_to")
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return False  # history is kept: close a tariff on its own page, add a new one here

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(KabinetAdmin):
    list_display = ("name", "unit", "method", "supplier", "organization", "sort_order")
    list_filter = ("organization", "method", "supplier")
    search_fields = ("name",)
    list_select_related = ("organization", "supplier")
    inlines = [TariffInline]


@admin.register(Tariff)
class TariffAdmin(KabinetAdmin):
    """Tariffs are history: the price and start of a tariff never change once saved.

    A new price is a new tariff; the old one is closed by setting "действует по".
    """

    list_display = ("service", "house", "price", "valid_from", "valid_to")
    list_filter = ("service__organization", "service")
    search_fields = ("service__name",)
    list_select_related = ("service", "house")
    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request, obj=None):
        return (
            ("service", "house", "price", "valid_from", "created_at") if obj else ("created_at",)
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingPeriod)
class BillingPeriodAdmin(KabinetAdmin):
    list_display = ("__str__", "organization", "is_closed", "closed_at")
    list_filter = ("organization", "is_closed")
    readonly_fields = ("closed_at",)


class LedgerAdmin(KabinetAdmin):
    """Ledger rows are viewed, never edited or deleted: a correction is a new row."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Charge)
class ChargeAdmin(LedgerAdmin):
    list_display = (
        "account",
        "period",
        "service",
        "price",
        "volume",
        "amount",
        "recalculation",
        "total",
    )
    list_filter = ("period__organization", "period__month", "service")
    search_fields = ("account__number", "account__holder_name")
    list_select_related = ("account", "period", "service")

    def has_add_permission(self, request):
        return False  # charges are issued by the billing run


@admin.register(Penalty)
class PenaltyAdmin(LedgerAdmin):
    list_display = ("account", "period", "amount", "note", "created_at")
    list_filter = ("period__organization", "period__month")
    search_fields = ("account__number",)
    list_select_related = ("account", "period")

    def has_add_permission(self, request):
        return False  # penalties are computed by the billing run


@admin.register(Payment)
class PaymentAdmin(LedgerAdmin):
    """Payments can be added (e.g. cash desk, a reversal as a negative amount), never edited."""

    list_display = ("account", "paid_on", "amount", "source", "external_id", "created_at")
    list_filter = ("source", "account__organization")
    search_fields = ("account__number", "external_id")
    list_select_related = ("account",)
    date_hierarchy = "paid_on"
    autocomplete_fields = ("account",)
    fields = ("account", "paid_on", "amount", "source", "external_id", "note")

    def save_model(self, request, obj, form, change):
        payment, created = payment_record(
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

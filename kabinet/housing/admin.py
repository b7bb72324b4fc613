from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import KabinetAdmin, KabinetHistoryAdmin, KabinetInline, ReadOnlyAdmin
from kabinet.core.security import client_ip

from . import services
from .models import (
    AccountAttachAttempt,
    AccountLink,
    House,
    Organization,
    PersonalAccount,
    Premises,
)


@admin.register(Organization)
class OrganizationAdmin(KabinetAdmin):
    list_display = ("name", "inn", "kpp", "is_management_company", "is_site_operator", "phone")
    list_filter = ("is_management_company", "is_site_operator")
    search_fields = ("name", "inn", "ogrn")
    fieldsets = (
        (None, {"fields": ("name", "is_management_company", "is_site_operator")}),
        (_("Реквизиты"), {"fields": ("inn", "kpp", "ogrn", "address")}),
        (_("Контакты"), {"fields": ("phone", "email", "site", "working_hours")}),
        (
            _("Банковские реквизиты для квитанций"),
            {"fields": ("settlement_account", "bank_name", "bic", "correspondent_account")},
        ),
        (_("Прием показаний"), {"fields": ("reading_window_start_day", "reading_window_end_day")}),
    )


class PremisesInline(KabinetInline):
    model = Premises
    extra = 0
    fields = ("number", "area", "property_type", "residents_registered")
    show_change_link = True


@admin.register(House)
class HouseAdmin(KabinetHistoryAdmin):
    list_display = ("address", "organization", "total_area")
    list_filter = ("organization", "city")
    search_fields = ("street", "number", "city", "postal_code")
    list_select_related = ("organization",)
    inlines = [PremisesInline]


class AccountInline(KabinetInline):
    model = PersonalAccount
    extra = 0
    fields = ("number", "holder_name", "opened_on", "closed_on")
    show_change_link = True


@admin.register(Premises)
class PremisesAdmin(KabinetAdmin):
    list_display = ("__str__", "area", "property_type", "residents_registered")
    list_filter = ("property_type", "house__organization")
    search_fields = ("number", "house__street", "house__number")
    list_select_related = ("house",)
    autocomplete_fields = ("house",)
    inlines = [AccountInline]


@admin.register(PersonalAccount)
class PersonalAccountAdmin(KabinetAdmin):
    list_display = ("number", "holder_name", "premises", "organization", "opened_on", "closed_on")
    list_filter = ("organization", "closed_on", "attach_alert_at")
    # Search by number, address or holder, as staff answer a resident's call.
    search_fields = (
        "number",
        "holder_name",
        "premises__number",
        "premises__house__street",
        "premises__house__number",
    )
    list_select_related = ("organization", "premises__house")
    autocomplete_fields = ("premises",)
    # billing/admin.py registers a subclass with the account's balance in its place.


@admin.register(AccountLink)
class AccountLinkAdmin(KabinetAdmin):
    """Who sees which account. Staff may remove a link (e.g. on a change of owner), and
    add one after checking the person: an account without payments has nothing a
    resident could type to prove it (docs/security.md, "Attaching an account")."""

    list_display = ("account", "user", "created_at")
    search_fields = ("account__number", "user__username", "user__email")
    list_select_related = ("account", "user")
    autocomplete_fields = ("user", "account")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "account", "created_at") if obj is not None else ()

    def get_fields(self, request, obj=None):
        return ("user", "account", "created_at") if obj is not None else ("user", "account")

    def save_model(self, request, obj, form, change):
        if change:
            return
        link, _created = services.account_link_add_by_staff(
            user=obj.user,
            account_id=obj.account_id,
            by=request.user,
            ip_address=client_ip(request),
        )
        obj.pk = link.pk


@admin.register(AccountAttachAttempt)
class AccountAttachAttemptAdmin(ReadOnlyAdmin):
    """The audit trail of attach attempts: read-only."""

    list_display = ("created_at", "account", "user", "outcome", "ip_address")
    list_filter = ("outcome",)
    search_fields = ("account__number", "user__username")
    list_select_related = ("account", "user")
    date_hierarchy = "created_at"

"""The back office of online payment: each organization's gateway settings, the online
payments with their reconciliation, the log of notifications, the sandbox's operations."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import KabinetAdmin, KabinetInline, ReadOnlyAdmin

from . import crypto, services
from .gateways import GATEWAYS
from .models import GatewaySettings, Notification, OnlinePayment, SandboxOperation
from .sandbox.operations import operation_complete

# --- gateway settings -----------------------------------------------------------------------


class GatewaySettingsForm(forms.ModelForm):
    integrity_code = forms.CharField(
        label=_("новый код проверки целостности"),
        required=False,
        max_length=128,
        strip=True,
        # Never written back into the page: a code is set, replaced or cleared, not shown.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Из настроек счета в личном кабинете Moneta. Оставьте пустым, чтобы не менять. "
            "Хранится зашифрованным; переменная окружения MONETA_INTEGRITY_CODE_<номер "
            "счета> важнее сохраненного кода."
        ),
    )
    clear_code = forms.BooleanField(label=_("удалить сохраненный код"), required=False)

    class Meta:
        model = GatewaySettings
        fields = (
            "organization",
            "enabled",
            "kind",
            "account_id",
            "test_mode",
            "page_url",
            "site_url",
            "max_amount",
            "fiscal_receipts",
            "receipt_item_name",
            "receipt_vat_tag",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "organization" in self.fields:
            self.fields["organization"].queryset = self.fields["organization"].queryset.filter(
                is_management_company=True
            )

    def clean(self):
        cleaned = super().clean()
        config = self.instance
        for name in ("kind", "enabled", "account_id"):
            if name in cleaned:
                setattr(config, name, cleaned[name])
        if self.errors:
            return cleaned
        try:
            services.gateway_settings_check(
                config=config,
                new_code=cleaned.get("integrity_code") or None,
                clear_code=cleaned.get("clear_code", False),
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(GatewaySettings)
class GatewaySettingsAdmin(KabinetAdmin):
    form = GatewaySettingsForm
    list_display = (
        "organization",
        "kind",
        "account_id",
        "enabled",
        "test_mode",
        "fiscal_receipts",
    )
    list_filter = ("kind", "enabled", "test_mode")
    search_fields = ("organization__name", "account_id")
    list_select_related = ("organization",)
    readonly_fields = ("code_state", "notification_urls")
    fieldsets = (
        (None, {"fields": ("organization", "enabled", "kind")}),
        (
            _("Счет в платежной системе"),
            {
                "fields": (
                    "account_id",
                    "test_mode",
                    "code_state",
                    "integrity_code",
                    "clear_code",
                )
            },
        ),
        (_("Адреса"), {"fields": ("notification_urls", "page_url", "site_url")}),
        (
            _("Платеж и чек"),
            {"fields": ("max_amount", "fiscal_receipts", "receipt_item_name", "receipt_vat_tag")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "organization") if obj else fields

    @admin.display(description=_("код проверки целостности"))
    def code_state(self, obj):
        if obj is None or obj.pk is None:
            return gettext("не задан")
        if obj.code_in_environment:
            return gettext("задан переменной окружения MONETA_INTEGRITY_CODE_%(id)s") % {
                "id": obj.account_id
            }
        if not obj.integrity_code_encrypted:
            return gettext("не задан")
        code = crypto.code_decrypt(obj.integrity_code_encrypted)
        if code is None:
            return gettext("не расшифровывается (сменился ключ): введите код заново")
        return gettext("задан: %(masked)s") % {"masked": crypto.code_masked(code)}

    @admin.display(description=_("Pay URL и Check URL для настроек счета"))
    def notification_urls(self, obj):
        if obj is None or obj.pk is None or obj.kind not in GATEWAYS:
            return gettext("появятся после сохранения")
        base = obj.base_url()
        return format_html(
            "Pay URL: <code>{}</code><br>Check URL: <code>{}</code>",
            base + reverse(f"payments:{obj.kind}_pay"),
            base + reverse(f"payments:{obj.kind}_check"),
        )

    def save_model(self, request, obj, form, change):
        services.gateway_settings_save(
            config=obj,
            new_code=form.cleaned_data.get("integrity_code") or None,
            clear_code=form.cleaned_data.get("clear_code", False),
            user_id=request.user.pk,
        )


# --- online payments ---------------------------------------------------------------------------


class ReconcileFilter(admin.SimpleListFilter):
    title = _("сверка")
    parameter_name = "reconcile"

    def lookups(self, request, model_admin):
        return [("due", _("без уведомления больше 27 часов"))]

    def queryset(self, request, queryset):
        if self.value() == "due":
            from .selectors import payments_to_reconcile

            return queryset.filter(pk__in=payments_to_reconcile().values("pk"))
        return queryset


class NotificationInline(KabinetInline):
    model = Notification
    fk_name = "online_payment"
    extra = 0
    fields = ("received_at", "kind", "operation_id", "amount", "signature_valid", "outcome")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CreditForm(forms.Form):
    operation_id = forms.CharField(
        label=_("номер операции в выписке платежной системы"),
        max_length=64,
        error_messages={"required": _("Укажите номер операции из выписки.")},
    )
    confirm = forms.BooleanField(
        label=_("Я сверил сумму и номер платежа с выпиской платежной системы"),
        error_messages={"required": _("Подтвердите, что сверили платеж с выпиской.")},
    )


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(KabinetAdmin):
    list_display = (
        "created_at",
        "account",
        "amount",
        "status",
        "gateway",
        "test_mode",
        "operation_id",
        "notified_at",
        "reconcile_due",
    )
    list_filter = (ReconcileFilter, "status", "gateway", "test_mode")
    search_fields = ("transaction_id", "operation_id", "account__number")
    list_select_related = ("account",)
    date_hierarchy = "created_at"
    inlines = [NotificationInline]
    actions = ["close_unpaid"]
    fields = (
        "transaction_id",
        "account",
        "user",
        "amount",
        "currency",
        "gateway",
        "merchant_id",
        "test_mode",
        "receipt_contact",
        "status",
        "status_note",
        "operation_id",
        "ledger_payment",
        "created_at",
        "notified_at",
        "paid_at",
        "reconciled_at",
        "reconciled_by",
        "credit_link",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # a resident starts an online payment; staff add cash in the ledger

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("требует сверки"), boolean=True)
    def reconcile_due(self, obj):
        return (
            obj.status in (OnlinePayment.Status.CREATED, OnlinePayment.Status.IN_PROGRESS)
            and obj.notified_at is None
            and obj.reconciled_at is None
            and obj.created_at <= timezone.now() - settings.PAYMENTS_RECONCILE_AFTER
        )

    @admin.display(description=_("сверка"))
    def credit_link(self, obj):
        if obj.is_paid:
            return "—"
        url = reverse("admin:payments_onlinepayment_credit", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Зачислить по выписке"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: no "Сохранить" on the page.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Сверено с выпиской: оплата не поступала"), permissions=["change"])
    def close_unpaid(self, request, queryset):
        closed = sum(
            services.online_payment_close_unpaid(payment=payment, user=request.user)
            for payment in queryset
        )
        self.message_user(
            request, gettext("Закрыто как неоплаченные: %(count)d.") % {"count": closed}
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/credit/",
                self.admin_site.admin_view(self.credit_view),
                name="payments_onlinepayment_credit",
            ),
            *super().get_urls(),
        ]

    def credit_view(self, request, pk):
        """Credit a payment whose notification never came, by the gateway's statement."""
        if not request.user.has_perm("payments.credit_onlinepayment"):
            raise PermissionDenied
        payment = get_object_or_404(OnlinePayment.objects.select_related("account"), pk=pk)
        form = CreditForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.online_payment_credit_by_staff(
                    payment=payment,
                    operation_id=form.cleaned_data["operation_id"],
                    user=request.user,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field, errors)
                else:
                    form.add_error(None, error)
            else:
                self.message_user(request, gettext("Платеж зачислен."), messages.SUCCESS)
                return redirect("admin:payments_onlinepayment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Зачислить онлайн-платеж по выписке"),
            "opts": self.model._meta,
            "original": payment,
            "form": form,
        }
        return TemplateResponse(request, "admin/payments/onlinepayment/credit.html", context)


# --- the notification log ----------------------------------------------------------------------


class AttentionFilter(admin.SimpleListFilter):
    title = _("внимание")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", _("подпись верна, но что-то не так"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(outcome__in=Notification.ATTENTION)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Every notification and check request, and what was made of it: read-only."""

    list_display = (
        "received_at",
        "kind",
        "gateway",
        "transaction_id",
        "operation_id",
        "amount",
        "signature_valid",
        "outcome",
    )
    list_filter = (AttentionFilter, "outcome", "kind", "gateway", "signature_valid")
    search_fields = ("transaction_id", "operation_id")
    date_hierarchy = "received_at"


# --- the sandbox (not in production) -------------------------------------------------------------


class SandboxOperationAdmin(ReadOnlyAdmin):
    """The sandbox gateway's own back office, as a gateway's merchant area would show."""

    list_display = (
        "pk",
        "created_at",
        "merchant_id",
        "amount",
        "status",
        "attempts",
        "acknowledged_at",
        "gave_up_at",
    )
    list_filter = ("status",)
    search_fields = ("transaction_id",)
    actions = ["complete"]

    @admin.action(description=_("Провести операции «в обработке» (и уведомить магазин)"))
    def complete(self, request, queryset):
        done = sum(operation_complete(operation=operation) for operation in queryset)
        self.message_user(request, gettext("Проведено операций: %(count)d.") % {"count": done})


if settings.PAYMENTS_SANDBOX:
    admin.site.register(SandboxOperation, SandboxOperationAdmin)

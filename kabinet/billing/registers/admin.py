"""The back office's registers: upload → check (every line's outcome, nothing posted) →
post or discard; the register formats staff configure; a searchable list of lines.

Loading needs the right to add registers; viewing, the right to view them. Registers
and their lines are never edited or deleted; a draft is discarded whole.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import KabinetAdmin
from kabinet.core.money import format_money
from kabinet.housing.models import Organization

from ..models import Register, RegisterFormat, RegisterLine
from .formats import format_choices, format_get
from .reading import RegisterRejected
from .selectors import register_lines, registers_same_file
from .services import register_confirm, register_discard, register_preview

LINES_PER_PAGE = 200


class RegisterUploadForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Управляющая организация"),
        queryset=Organization.objects.filter(is_management_company=True),
        help_text=_("Лицевые счета реестра ищутся среди счетов этой организации."),
    )
    register_format = forms.ChoiceField(label=_("Формат реестра"), choices=format_choices)
    file = forms.FileField(
        label=_("Файл реестра"),
        help_text=_(
            "Текстовый файл или CSV, можно в ZIP-архиве. Сначала реестр только проверяется: "
            "платежи проводятся после подтверждения."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = format_lazy(
            "{} {}",
            self.fields["file"].help_text,
            _("Не больше %(size)d МБ.") % {"size": settings.REGISTER_MAX_BYTES // 1024 // 1024},
        )
        companies = self.fields["organization"].queryset
        if len(companies[:2]) == 1:
            self.fields["organization"].initial = companies[0].pk


@admin.register(RegisterFormat)
class RegisterFormatAdmin(KabinetAdmin):
    list_display = ("name", "bank", "encoding", "delimiter_label", "header_lines", "footer_lines")
    search_fields = ("name", "bank")
    fieldsets = [
        (None, {"fields": ("name", "bank")}),
        (_("Файл"), {"fields": ("encoding", "delimiter", "header_lines", "footer_lines")}),
        (
            _("Колонки"),
            {
                "fields": (
                    ("date_column", "date_format"),
                    "account_column",
                    ("amount_column", "decimal_mark", "thousands_spaces"),
                    "payment_id_column",
                    "period_column",
                    "payer_column",
                    "address_column",
                )
            },
        ),
    ]

    @admin.display(description=_("разделитель"), ordering="delimiter")
    def delimiter_label(self, fmt):
        return fmt.get_delimiter_display()

    def has_delete_permission(self, request, obj=None):
        # A format registers were loaded in stays: those registers name it.
        if obj is not None and obj.registers.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Register)
class RegisterAdmin(KabinetAdmin):
    list_display = (
        "created_at", "organization", "bank", "payment_order", "file_name", "status",
        "imported_count", "imported_total", "duplicate_count", "error_count", "loaded_by",
    )  # fmt: skip
    list_filter = ("status", ("organization", admin.RelatedOnlyFieldListFilter), "kind")
    search_fields = ("file_name", "payment_order_number", "file_hash")
    list_select_related = ("organization", "loaded_by")
    date_hierarchy = "created_at"

    @admin.display(description=_("платежное поручение"))
    def payment_order(self, register):
        if not register.payment_order_number:
            return "—"
        if register.payment_order_date:
            return f"№ {register.payment_order_number} {gettext('от')} {register.payment_order_date:%d.%m.%Y}"
        return f"№ {register.payment_order_number}"

    @admin.display(description=_("зачислено, ₽"), ordering="imported_sum")
    def imported_total(self, register):
        return format_money(register.imported_sum)

    def has_change_permission(self, request, obj=None):
        return False  # a register is a record of what was loaded

    def has_delete_permission(self, request, obj=None):
        return False  # a draft is discarded from its page; a posted register stays

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/confirm/", view(self.confirm_view), name="billing_register_confirm"),
            path("<int:pk>/discard/", view(self.discard_view), name="billing_register_discard"),
            path("<int:pk>/file/", view(self.file_view), name="billing_register_file"),
            *super().get_urls(),
        ]

    # --- upload and check ---------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RegisterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                register = register_preview(
                    file=upload, file_name=upload.name, size=upload.size,
                    fmt=format_get(form.cleaned_data["register_format"]),
                    organization=form.cleaned_data["organization"], user=request.user,
                )  # fmt: skip
            except RegisterRejected as rejection:
                form.add_error("file", rejection.message)
            else:
                messages.info(
                    request,
                    gettext(
                        "Реестр проверен, платежи еще не проведены. Просмотрите строки и "
                        "нажмите «Провести»."
                    ),
                )
                return HttpResponseRedirect(
                    reverse("admin:billing_register_change", args=[register.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Загрузка реестра платежей"),
            "form": form,
            "formats_url": reverse("admin:billing_registerformat_changelist"),
        }
        return TemplateResponse(request, "admin/billing/register/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        register = get_object_or_404(
            Register.objects.select_related("organization", "loaded_by", "register_format"),
            pk=object_id,
        )
        if not self.has_view_permission(request, register):
            raise PermissionDenied
        outcome = request.GET.get("outcome", "")
        if outcome not in RegisterLine.Outcome.values:
            outcome = ""
        page = Paginator(register_lines(register=register, outcome=outcome), LINES_PER_PAGE)
        page = page.get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(register),
            "register": register,
            "page": page,
            "outcome": outcome,
            "outcomes": [
                ("", gettext("все"), register.lines_count),
                (
                    RegisterLine.Outcome.IMPORTED,
                    self._imported_label(register),
                    register.imported_count,
                ),
                (RegisterLine.Outcome.DUPLICATE, gettext("повторы"), register.duplicate_count),
                (RegisterLine.Outcome.ERROR, gettext("ошибки"), register.error_count),
            ],
            "same_file": registers_same_file(register=register),
            "can_load": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/billing/register/detail.html", context)

    @staticmethod
    def _imported_label(register):
        return gettext("к зачислению") if register.is_draft else gettext("зачислено")

    # --- post, discard, download -------------------------------------------------

    def _draft_action(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        register = get_object_or_404(Register, pk=pk)
        try:
            return action(request, register)
        except RegisterRejected as rejection:
            messages.error(request, rejection.message)
            return HttpResponseRedirect(reverse("admin:billing_register_change", args=[pk]))

    @staticmethod
    def _post(request, register):
        register = register_confirm(register=register, user=request.user)
        messages.success(
            request,
            gettext(
                "Реестр проведен: зачислено %(imported)d на %(sum)s ₽, повторов %(duplicates)d, "
                "ошибок %(errors)d."
            )
            % {
                "imported": register.imported_count,
                "sum": format_money(register.imported_sum),
                "duplicates": register.duplicate_count,
                "errors": register.error_count,
            },
        )
        return HttpResponseRedirect(reverse("admin:billing_register_change", args=[register.pk]))

    @staticmethod
    def _discard(request, register):
        register_discard(register=register, user=request.user)
        messages.success(request, gettext("Загрузка отменена, файл удален."))
        return HttpResponseRedirect(reverse("admin:billing_register_changelist"))

    def confirm_view(self, request, pk):
        return self._draft_action(request, pk, self._post)

    def discard_view(self, request, pk):
        return self._draft_action(request, pk, self._discard)

    def file_view(self, request, pk):
        register = get_object_or_404(Register, pk=pk)
        if not self.has_view_permission(request, register):
            raise PermissionDenied
        if not register.file:
            raise Http404
        try:
            stored = register.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(stored, as_attachment=True, filename=register.file_name)


@admin.register(RegisterLine)
class RegisterLineAdmin(KabinetAdmin):
    """Every bank line loaded, searchable: "did the bank send a payment for this account?"."""

    list_display = (
        "register", "number", "outcome", "account_number", "paid_on", "amount", "payment_link",
        "reason",
    )  # fmt: skip
    list_filter = ("outcome", "register__status")
    search_fields = ("account_number", "external_id")
    list_select_related = ("register",)

    @admin.display(description=_("платеж"))
    def payment_link(self, line):
        payment_id = line.payment_id or line.duplicate_of_id
        if not payment_id:
            return "—"
        url = reverse("admin:billing_payment_change", args=[payment_id])
        return format_html('<a href="{}">№ {}</a>', url, payment_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Payment documents in the back office: the issued documents (read-only, with their PDF),
the mailings with their progress, and "Разослать квитанции" on the billing periods."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import BillingPeriod
from kabinet.billing.run.admin import BillingPeriodAdmin
from kabinet.core.admin import ReadOnlyAdmin
from kabinet.core.periods import month_label

from . import services
from .models import Delivery, Mailing, Receipt


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "period", "organization", "account", "to_pay", "issued_at", "pdf")
    list_filter = ("organization", "period__month")
    search_fields = ("account__number",)
    list_select_related = ("organization", "account", "period")
    fields = ("number", "organization", "account", "period", "issued_at", "to_pay", "pdf")
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<int:receipt_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="receipts_receipt_pdf",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("PDF"))
    def pdf(self, receipt):
        url = reverse("admin:receipts_receipt_pdf", args=[receipt.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("открыть"))

    def pdf_view(self, request, receipt_id: int):
        receipt = Receipt.objects.select_related("account", "period").filter(pk=receipt_id).first()
        if receipt is None or not self.has_view_permission(request, receipt):
            return HttpResponse(status=404)
        document = services.Document.issued(receipt, receipt.account, receipt.period.month)
        response = HttpResponse(document.pdf(), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document.filename}"'
        response["Cache-Control"] = "no-store"
        return response


def _progress_text(progress: services.Progress) -> str:
    text = gettext("отправлено %(sent)d, ошибок %(failed)d, осталось %(left)d") % vars(progress)
    if progress.cancelled:
        text += gettext(", отменено (отписались) %(cancelled)d") % vars(progress)
    return text


@admin.register(Mailing)
class MailingAdmin(ReadOnlyAdmin):
    """A published period's e-mails: sent, failed, left."""

    list_display = ("period", "organization", "started_at", "started_by", "added", "progress")
    list_filter = ("period__organization",)
    list_select_related = ("period__organization", "started_by")
    fields = ("period", "started_at", "started_by", "added", "progress", "failures")
    readonly_fields = fields
    actions = ["retry"]

    def get_queryset(self, request):
        return services.mailings_with_progress(super().get_queryset(request))

    @admin.display(description=_("организация"))
    def organization(self, mailing):
        return mailing.period.organization

    @admin.display(description=_("ход рассылки"))
    def progress(self, mailing):
        return _progress_text(services.Progress.of(mailing))

    @admin.display(description=_("не отправлено"))
    def failures(self, mailing):
        failed = list(
            Delivery.objects.filter(
                mailing=mailing, status__in=[Delivery.Status.FAILED, Delivery.Status.GAVE_UP]
            )
            .select_related("account")
            .order_by("id")[:50]
        )
        if not failed:
            return "—"
        return format_html(
            "<br>".join(["{}"] * len(failed)),
            *(
                f"{d.account.number} → {d.email}: {d.get_status_display()}, "
                f"{gettext('попыток')} {d.attempts}; {d.error}"
                for d in failed
            ),
        )

    @admin.action(description=_("Отправить повторно неотправленные"), permissions=["view"])
    def retry(self, request, queryset):
        total = sum(services.mailing_retry(mailing=mailing) for mailing in queryset)
        self.message_user(request, gettext("Снова в очереди писем: %(count)d.") % {"count": total})


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("email", "account", "period", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "period__organization", "period__month")
    search_fields = ("account__number", "email")
    list_select_related = ("account", "period")


# "Разослать квитанции" among the billing periods' actions: the period's page is billing's,
# extended here as billing/admin.py extends the registry's account page.
admin.site.unregister(BillingPeriod)


@admin.register(BillingPeriod)
class PeriodAdmin(BillingPeriodAdmin):
    actions = [*BillingPeriodAdmin.actions, "publish_receipts"]

    @admin.action(description=_("Разослать квитанции подписчикам"), permissions=["change"])
    def publish_receipts(self, request, queryset):
        for period in queryset.select_related("organization").order_by("organization", "month"):
            try:
                mailing = services.mailing_publish(period=period, user=request.user)
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), messages.ERROR)
                continue
            url = reverse("admin:receipts_mailing_change", args=[mailing.pk])
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext(
                        "%(period)s, %(organization)s: квитанции переданы на отправку, "
                        "писем: %(count)d."
                    )
                    % {
                        "period": month_label(period.month),
                        "organization": period.organization.name,
                        "count": mailing.added,
                    },
                    url,
                    gettext("Ход рассылки"),
                ),
                messages.SUCCESS,
            )

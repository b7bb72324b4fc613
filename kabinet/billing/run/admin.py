"""The billing run in the back office: periods with their run and close actions, runs
with their progress and report, recalculations, temporary absence, house meter volumes.
Registered by kabinet/billing/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.billing import services
from kabinet.billing.models import (
    BillingPeriod,
    BillingRun,
    HouseResourceVolume,
    Recalculation,
    RunChunk,
    RunIssue,
    TemporaryAbsence,
)
from kabinet.core.admin import KabinetHistoryAdmin, ReadOnlyAdmin, ReadOnlyRowsMixin
from kabinet.core.money import format_money
from kabinet.core.periods import month_label, month_start

from .service import RunRefused, billing_run, period_close


def _progress(run: BillingRun) -> dict:
    """Accounts done, left and with issues, from the run's chunks."""
    done = left = failed = issues = 0
    for chunk in run.chunks.all():
        if chunk.status == RunChunk.Status.DONE:
            done += chunk.accounts
            issues += chunk.accounts_with_issues
        elif chunk.status == RunChunk.Status.FAILED:
            failed += chunk.accounts
        else:
            left += chunk.accounts
    return {"done": done, "left": left, "failed": failed, "issues": issues}


def _progress_text(run: BillingRun) -> str:
    p = _progress(run)
    text = gettext("готово %(done)d, осталось %(left)d, с замечаниями %(issues)d") % p
    if p["failed"]:
        text += gettext(", не посчитано из-за ошибки %(failed)d") % p
    return text


@admin.register(BillingPeriod)
class BillingPeriodAdmin(KabinetHistoryAdmin):
    """Months of an organization: run the billing (in the background), close the month."""

    list_display = ("__str__", "organization", "is_closed", "last_run", "closed_at", "closed_by")
    list_filter = ("organization", "is_closed")
    list_select_related = ("organization", "closed_by")
    fields = ("organization", "month", "is_closed", "closed_at", "closed_by")
    actions = ["run", "run_dry", "close"]

    def get_readonly_fields(self, request, obj=None):
        closing = ("is_closed", "closed_at", "closed_by")
        return ("organization", "month", *closing) if obj else closing

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("последний расчет"))
    def last_run(self, period):
        run = period.runs.filter(dry_run=False).first()
        if run is None:
            return "—"
        url = reverse("admin:billing_billingrun_change", args=[run.pk])
        return format_html(
            '<a href="{}">{} {}</a>: {}',
            url,
            run.get_status_display(),
            f"{run.started_at:%d.%m.%Y %H:%M}",
            _progress_text(run),
        )

    def _start(self, request, queryset, *, dry_run: bool):
        for period in queryset.select_related("organization"):
            try:
                run = billing_run(
                    organization_id=period.organization_id,
                    month=period.month,
                    user=request.user,
                    dry_run=dry_run,
                    background=True,
                )
            except RunRefused as refused:
                self.message_user(request, " ".join(refused.messages), messages.ERROR)
                continue
            url = reverse("admin:billing_billingrun_change", args=[run.pk])
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext(
                        "%(period)s, %(organization)s: расчет передан обработчикам, "
                        "%(accounts)d лицевых счетов."
                    )
                    % {
                        "period": month_label(period.month),
                        "organization": period.organization.name,
                        "accounts": run.accounts,
                    },
                    url,
                    gettext("Ход расчета"),
                ),
                messages.SUCCESS,
            )

    @admin.action(description=_("Рассчитать начисления"), permissions=["change"])
    def run(self, request, queryset):
        self._start(request, queryset, dry_run=False)

    @admin.action(
        description=_("Пробный расчет: показать изменения, ничего не записывая"),
        permissions=["change"],
    )
    def run_dry(self, request, queryset):
        self._start(request, queryset, dry_run=True)

    @admin.action(description=_("Закрыть период"), permissions=["change"])
    def close(self, request, queryset):
        for period in queryset.order_by("organization", "month"):
            try:
                period_close(period=period, user=request.user)
            except RunRefused as refused:
                self.message_user(request, " ".join(refused.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Период %(period)s закрыт: его начисления больше не меняются.")
                    % {"period": month_label(period.month)},
                    messages.SUCCESS,
                )


class RunChunkInline(admin.TabularInline):
    model = RunChunk
    extra = 0
    can_delete = False
    fields = ("number", "accounts", "status", "lines", "accounts_with_issues", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    """A run's progress (accounts done / left / with issues) and report."""

    list_display = ("pk", "period", "organization", "status", "dry_run", "progress",
                    "started_by", "started_at", "finished_at")  # fmt: skip
    list_filter = ("status", "dry_run", "period__organization")
    list_select_related = ("period__organization", "started_by")
    readonly_fields = ("period", "status", "dry_run", "background", "started_by", "started_at",
                       "finished_at", "accounts", "progress", "report")  # fmt: skip
    fields = readonly_fields
    inlines = [RunChunkInline]

    @admin.display(description=_("организация"))
    def organization(self, run):
        return run.period.organization

    @admin.display(description=_("ход расчета"))
    def progress(self, run):
        return _progress_text(run)

    @admin.display(description=_("итоги"))
    def report(self, run):
        summary = run.summary or {}
        if not summary:
            return gettext("Расчет еще идет: обновите страницу.")
        parts = [
            gettext("строк начислений: %(lines)s, итого %(total)s ₽")
            % {"lines": summary.get("lines", 0), "total": format_money(summary.get("total", "0"))}
        ]
        if "penalties" in summary:
            parts.append(
                gettext("пени %(penalties)s ₽") % {"penalties": format_money(summary["penalties"])}
            )
        if changes := summary.get("changes"):
            parts.append(
                gettext(
                    "изменилось бы: добавлено строк %(added)s, удалено %(removed)s, изменено "
                    "%(changed)s; итого было %(before)s ₽, стало бы %(after)s ₽"
                )
                % {
                    "added": changes["added"],
                    "removed": changes["removed"],
                    "changed": changes["changed"],
                    "before": format_money(changes["total_before"]),
                    "after": format_money(changes["total_after"]),
                }
            )
        issues = run.issues.count()
        url = reverse("admin:billing_runissue_changelist") + f"?run__id__exact={run.pk}"
        return format_html(
            '{}. <a href="{}">{}</a>',
            "; ".join(parts),
            url,
            gettext("Не начислено: %(count)d") % {"count": issues},
        )


@admin.register(RunIssue)
class RunIssueAdmin(ReadOnlyAdmin):
    """What a run could not charge, and why."""

    list_display = ("run", "account", "service", "reason", "detail")
    list_filter = ("reason", "run")
    search_fields = ("account__number",)
    list_select_related = ("run__period", "account", "service")


class MonthField(forms.DateField):
    """A month typed as any of its days; stored as its first day."""

    def to_python(self, value):
        day = super().to_python(value)
        return month_start(day) if day else day


class RecalculationForm(forms.ModelForm):
    concerns_month = MonthField(
        label=_("за месяц"), help_text=_("Любой день месяца, например 01.10.2026.")
    )

    class Meta:
        model = Recalculation
        fields = ("account", "service", "concerns_month", "amount", "volume", "reason")
        help_texts = {
            "amount": _("Со знаком минус, если начислено лишнее. Или укажите объем."),
            "volume": _("Объем по тарифу того месяца, со знаком минус, если лишний."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = False

    def clean(self):
        cleaned = super().clean()
        account, service = cleaned.get("account"), cleaned.get("service")
        if account and service and cleaned.get("concerns_month"):
            try:
                cleaned["amount"] = services.recalculation_price(
                    account=account,
                    service=service,
                    concerns_month=cleaned["concerns_month"],
                    reason=cleaned.get("reason", ""),
                    amount=cleaned.get("amount"),
                    volume=cleaned.get("volume"),
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Recalculation)
class RecalculationAdmin(ReadOnlyRowsMixin, KabinetHistoryAdmin):
    """Staff enter a correction with its grounds; the run adds its own (absence, readings).
    Never edited: a mistaken recalculation is undone by another."""

    form = RecalculationForm
    list_display = ("account", "service", "concerns_month", "period", "kind", "amount",
                    "reason", "created_by", "created_at")  # fmt: skip
    list_filter = ("kind", "period__organization", "period__month")
    search_fields = ("account__number", "reason")
    list_select_related = ("account", "service", "period", "created_by")
    autocomplete_fields = ("account",)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.recalculation_add(
            account=data["account"],
            service=data["service"],
            concerns_month=data["concerns_month"],
            reason=data["reason"],
            amount=None if data.get("volume") is not None else data["amount"],
            volume=data.get("volume"),
            user=request.user,
        )
        obj.pk = saved.pk
        self.message_user(
            request,
            gettext("Перерасчет отражен в периоде %(period)s: запустите его расчет.")
            % {"period": month_label(saved.period.month)},
            messages.INFO,
        )


@admin.register(TemporaryAbsence)
class TemporaryAbsenceAdmin(KabinetHistoryAdmin):
    list_display = ("account", "departed_on", "returned_on", "persons", "document", "created_by")
    search_fields = ("account__number", "account__holder_name")
    list_select_related = ("account", "created_by")
    autocomplete_fields = ("account",)
    fields = ("account", "departed_on", "returned_on", "persons", "document")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class HouseResourceVolumeForm(forms.ModelForm):
    month = MonthField(label=_("месяц"), help_text=_("Любой день месяца."))

    class Meta:
        model = HouseResourceVolume
        fields = ("house", "month", "resource", "volume")


@admin.register(HouseResourceVolume)
class HouseResourceVolumeAdmin(KabinetHistoryAdmin):
    form = HouseResourceVolumeForm
    list_display = ("house", "month", "resource", "volume")
    list_filter = ("resource", "house__organization")
    search_fields = ("house__street", "house__number")
    list_select_related = ("house",)
    autocomplete_fields = ("house",)
    date_hierarchy = "month"

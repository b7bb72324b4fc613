"""The billing run's record: who started which period's run, its chunks, its report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.housing.models import PersonalAccount

from .periods import BillingPeriod
from .tariffs import Service


class BillingRun(models.Model):
    """One run of one period: its chunks of houses are computed in the foreground or by
    the task workers (kabinet/billing/run/). A dry run writes no lines and keeps what it
    would have changed in `summary`."""

    class Status(models.TextChoices):
        RUNNING = "running", _("идет")
        DONE = "done", _("завершен")
        FAILED = "failed", _("с ошибкой")

    period = models.ForeignKey(
        BillingPeriod, on_delete=models.PROTECT, related_name="runs", verbose_name=_("период")
    )
    status = models.CharField(_("состояние"), max_length=8, choices=Status, default=Status.RUNNING)
    dry_run = models.BooleanField(_("пробный (без записи)"), default=False)
    background = models.BooleanField(_("в фоне"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("запустил"),
    )
    started_at = models.DateTimeField(_("начат"), auto_now_add=True)
    finished_at = models.DateTimeField(_("закончен"), null=True, blank=True)
    accounts = models.PositiveIntegerField(_("лицевых счетов"), default=0)
    summary = models.JSONField(_("итоги"), default=dict, blank=True)

    class Meta:
        verbose_name = _("расчет периода")
        verbose_name_plural = _("расчеты периодов")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.period} ({self.get_status_display()})"


class RunChunk(models.Model):
    """A part of a run: whole houses, computed in one transaction (all or nothing)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("ожидает")
        RUNNING = "running", _("считается")
        DONE = "done", _("посчитан")
        FAILED = "failed", _("ошибка")

    run = models.ForeignKey(
        BillingRun, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("расчет")
    )
    number = models.PositiveIntegerField(_("номер"))
    houses = models.JSONField(_("дома"), default=list)
    accounts = models.PositiveIntegerField(_("лицевых счетов"), default=0)
    status = models.CharField(_("состояние"), max_length=8, choices=Status, default=Status.PENDING)
    accounts_with_issues = models.PositiveIntegerField(_("счетов с замечаниями"), default=0)
    lines = models.PositiveIntegerField(_("строк начислений"), default=0)
    summary = models.JSONField(_("итоги"), default=dict, blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    updated_at = models.DateTimeField(_("обновлен"), auto_now=True)

    class Meta:
        verbose_name = _("часть расчета")
        verbose_name_plural = _("части расчета")
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="run_chunk_number_unique")
        ]

    def __str__(self):
        return f"{self.run_id}/{self.number}"


class RunIssue(models.Model):
    """An account/service the run could not charge, and why: left out, reported."""

    class Reason(models.TextChoices):
        NO_TARIFF = "no_tariff", _("нет действующего тарифа")
        NO_NORM = "no_norm", _("нет показаний и норматива")
        READING_BELOW = (
            "reading_below",
            _("показание меньше предыдущего, переход через ноль не подтвержден"),
        )
        NO_HOUSE_AREA = "no_house_area", _("для СОИ не указана площадь общего имущества дома")

    run = models.ForeignKey(
        BillingRun, on_delete=models.CASCADE, related_name="issues", verbose_name=_("расчет")
    )
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.CASCADE, related_name="+", verbose_name=_("лицевой счет")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("услуга"),
    )
    reason = models.CharField(_("причина"), max_length=16, choices=Reason)
    detail = models.CharField(_("подробности"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("замечание расчета")
        verbose_name_plural = _("замечания расчета")
        ordering = ["run", "account", "service"]
        indexes = [models.Index(fields=["run", "account", "service"], name="run_issue_line_idx")]

    def __str__(self):
        return self.get_reason_display()

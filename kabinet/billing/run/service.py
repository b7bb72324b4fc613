"""Starting a run, running a chunk, closing a period: the writes of the billing run."""

import datetime
import logging
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import (
    BillingPeriod,
    BillingRun,
    Charge,
    RunChunk,
    Service,
)
from kabinet.billing.penalties import DueDates, rates_current
from kabinet.billing.services import period_open
from kabinet.billing.totals import period_totals_write
from kabinet.core.money import round_money
from kabinet.core.periods import month_label
from kabinet.housing.models import House, PersonalAccount
from kabinet.meters.models import Meter

from .lines import lines_write, readings_catch_up, recalculations_write
from .penalties import penalties_write
from .plan import chunks_plan
from .sql import Chunk
from .usage import usage_compute

logger = logging.getLogger("kabinet.billing")

Progress = Callable[[int, int], None]  # (accounts done, accounts in all)


class RunRefused(ValidationError):
    """The run or the closing cannot be done now; the message says why."""


def billing_run(
    *,
    organization_id: int,
    month: datetime.date,
    user=None,
    dry_run: bool = False,
    background: bool = False,
    progress: Progress | None = None,
) -> BillingRun:
    """Compute the organization's period for `month`: in the foreground (returning when
    the period is computed), or with `background` by the task workers, a chunk each."""
    period = period_open(organization_id=organization_id, month=month)
    if period.is_closed:
        raise RunRefused(_("Период %(period)s закрыт: его начисления не меняются.") % {
            "period": month_label(period.month)
        })  # fmt: skip
    plan = chunks_plan(
        organization_id=organization_id,
        month=period.month,
        chunk_accounts=settings.BILLING_RUN_CHUNK_ACCOUNTS,
    )
    with transaction.atomic():
        run = BillingRun.objects.create(
            period=period,
            dry_run=dry_run,
            background=background,
            started_by=user,
            accounts=sum(accounts for _houses, accounts in plan),
        )
        chunks = RunChunk.objects.bulk_create(
            RunChunk(run=run, number=number, houses=houses, accounts=accounts)
            for number, (houses, accounts) in enumerate(plan, 1)
        )
    logger.info(
        "billing.run.start run=%s period=%s organization=%s month=%s dry_run=%s user_id=%s",
        run.pk, period.pk, organization_id, period.month, dry_run, getattr(user, "pk", "-"),
    )  # fmt: skip
    if background:
        from kabinet.billing.tasks import billing_run_chunk_task

        for chunk in chunks:
            billing_run_chunk_task.enqueue(chunk.pk)
        return run
    done = 0
    for chunk in chunks:
        billing_run_chunk(chunk_id=chunk.pk)
        done += chunk.accounts
        if progress:
            progress(done, run.accounts)
    if not chunks:
        _run_finish(run.pk)
    run.refresh_from_db()
    return run


def billing_run_chunk(*, chunk_id: int) -> RunChunk:
    """Compute one chunk in one transaction: its lines of the period are replaced as a
    whole, or, if anything fails (or the process dies), left as they were."""
    chunk = RunChunk.objects.select_related("run__period").get(pk=chunk_id)
    if chunk.status == RunChunk.Status.DONE:
        return chunk
    RunChunk.objects.filter(pk=chunk_id).update(status=RunChunk.Status.RUNNING)
    run = chunk.run
    try:
        with transaction.atomic():
            summary = _chunk_compute(chunk, run)
            if run.dry_run:
                transaction.set_rollback(True)
            else:
                _chunk_done(chunk_id, summary)
        if run.dry_run:
            _chunk_done(chunk_id, summary)
    except Exception as error:
        RunChunk.objects.filter(pk=chunk_id).update(
            status=RunChunk.Status.FAILED, error=_error_text(error)
        )
        logger.exception("billing.run.chunk_failed run=%s chunk=%s", run.pk, chunk_id)
    if not run.dry_run and _is_power_of_two(chunk.number):
        statistics_refresh()
    _run_finish(run.pk)
    chunk.refresh_from_db()
    return chunk


# The tables a run fills, whose statistics the planner needs current (run/sql.py).
FILLED_TABLES = (
    "billing_charge", "billing_meterusage", "billing_periodtotal", "billing_runissue",
    "billing_penalty",
)  # fmt: skip


def _is_power_of_two(number: int) -> bool:
    return number > 0 and number & (number - 1) == 0


def statistics_refresh() -> None:
    """PostgreSQL: `ANALYZE` the tables a run fills, so that the next chunks are planned
    on how many lines the period now has (after chunks 1, 2, 4, 8…: within twice the
    truth). SQLite's statements keep their order of joins and need none."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(FILLED_TABLES)}")


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return f"{type(error).__name__}: {error}"


def _chunk_done(chunk_id: int, summary: dict) -> None:
    RunChunk.objects.filter(pk=chunk_id).update(
        status=RunChunk.Status.DONE,
        lines=summary["lines"],
        accounts_with_issues=summary["accounts_with_issues"],
        summary=summary,
        error="",
    )


def _chunk_compute(chunk: RunChunk, run: BillingRun) -> dict:
    period = _period_lock(run.period_id)
    if period.is_closed:
        raise RunRefused(_("Период закрыт, пока шел расчет: начисления не изменены."))
    # Two runs of one period at once compute a chunk one after the other.
    list(House.objects.select_for_update().filter(pk__in=chunk.houses).order_by("pk"))
    context = Chunk(
        run_id=run.pk,
        period_id=period.pk,
        organization_id=period.organization_id,
        month=period.month,
        houses=tuple(chunk.houses),
    )
    before = _lines_snapshot(context) if run.dry_run else None
    _chunk_clear(context)
    services = list(Service.objects.filter(organization_id=context.organization_id))
    usage_compute(context, norms=_norms(services))
    lines_write(context)
    recalculations_write(context, run_computed=readings_catch_up(context))
    penalties = penalties_write(
        context, rates=rates_current(), due_dates=DueDates(context.organization_id)
    )
    period_totals_write(
        period_id=context.period_id, accounts=HOUSE_ACCOUNTS.format(houses=context.house_list)
    )
    summary = _chunk_summary(context)
    summary["penalties"] = str(penalties)
    if before is not None:
        summary["changes"] = _changes(before, _lines_snapshot(context))
    return summary


def _period_lock(period_id: int) -> BillingPeriod:
    """The period, read under a shared lock on PostgreSQL: closing it (an exclusive lock)
    waits for the chunks being computed, and chunks after it see it closed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM billing_billingperiod WHERE id = %s FOR SHARE", [period_id]
            )
    return BillingPeriod.objects.get(pk=period_id)


# What a run writes for a period, and replaces on the next run: per house's accounts.
CLEAR = (
    "DELETE FROM billing_penaltyline WHERE period_id = %(period)s AND penalty_id IN "
    "(SELECT id FROM billing_penalty WHERE period_id = %(period)s AND account_id IN ({accounts}))",
    "DELETE FROM billing_penalty WHERE period_id = %(period)s AND account_id IN ({accounts})",
    "DELETE FROM billing_charge WHERE period_id = %(period)s AND account_id IN ({accounts})",
    "DELETE FROM billing_meterusage WHERE period_id = %(period)s AND account_id IN ({accounts})",
    "DELETE FROM billing_recalculation WHERE period_id = %(period)s AND kind IN "
    "('absence', 'readings') AND account_id IN ({accounts})",
    "DELETE FROM meters_reading WHERE period = %(month)s AND source = 'computed' AND meter_id IN "
    "(SELECT m.id FROM meters_meter m JOIN housing_premises p ON p.id = m.premises_id "
    "WHERE p.house_id IN ({houses}))",
)
HOUSE_ACCOUNTS = (
    "SELECT a.id FROM housing_personalaccount a JOIN housing_premises p "
    "ON p.id = a.premises_id WHERE p.house_id IN ({houses})"
)


def _chunk_clear(context: Chunk) -> None:
    houses = context.house_list
    accounts = HOUSE_ACCOUNTS.format(houses=houses)
    with connection.cursor() as cursor:
        for statement in CLEAR:
            cursor.execute(statement.format(accounts=accounts, houses=houses), context.params)


def _norms(services: list[Service]) -> dict[str, Decimal | None]:
    """Per meter resource, the norm per resident of its metered service."""
    norms: dict[str, Decimal | None] = {}
    for service in sorted(services, key=lambda s: (s.sort_order, s.pk)):
        if service.method == Service.Method.BY_METER and service.resource in Meter.Resource:
            norms.setdefault(service.resource, service.norm_per_resident)
    return norms


def _chunk_lines(context: Chunk):
    accounts = PersonalAccount.objects.filter(premises__house_id__in=context.houses)
    return Charge.objects.filter(period_id=context.period_id, account_id__in=accounts.values("pk"))


# From the period totals just written: a row per account rather than a dozen lines.
CHUNK_TOTALS = """
SELECT SUM(t.lines), SUM(t.total) FROM chunk c CROSS JOIN billing_periodtotal t
WHERE t.account_id = c.account_id AND t.period_id = %(period)s
"""
CHUNK_ISSUES = """
SELECT COUNT(DISTINCT i.account_id) FROM chunk c CROSS JOIN billing_runissue i
WHERE i.run_id = %(run)s AND i.account_id = c.account_id
"""


def _chunk_summary(context: Chunk) -> dict:
    [(lines, total)] = context.rows(CHUNK_TOTALS)
    [(with_issues,)] = context.rows(CHUNK_ISSUES)
    return {
        "lines": lines or 0,
        "total": str(round_money(Decimal(str(total or 0)))),
        "accounts_with_issues": with_issues,
    }


def _lines_snapshot(context: Chunk) -> dict:
    return {
        (account, service, zone): total
        for account, service, zone, total in _chunk_lines(context).values_list(
            "account_id", "service_id", "zone", "total"
        )
    }


def _changes(before: dict, after: dict) -> dict:
    return {
        "added": len(after.keys() - before.keys()),
        "removed": len(before.keys() - after.keys()),
        "changed": sum(1 for key in after.keys() & before.keys() if after[key] != before[key]),
        "total_before": str(sum(before.values(), Decimal("0.00"))),
        "total_after": str(sum(after.values(), Decimal("0.00"))),
    }


def _run_finish(run_id: int) -> None:
    """Mark the run done (or failed) once no chunk is left, and sum up its chunks."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run_id)
        if run.status != BillingRun.Status.RUNNING:
            return
        chunks = list(run.chunks.all())
        if any(c.status in (RunChunk.Status.PENDING, RunChunk.Status.RUNNING) for c in chunks):
            return
        failed = [c for c in chunks if c.status == RunChunk.Status.FAILED]
        run.summary = _run_summary(chunks)
        run.status = BillingRun.Status.FAILED if failed else BillingRun.Status.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["summary", "status", "finished_at"])
    logger.info("billing.run.finish run=%s status=%s", run_id, run.status)


def _run_summary(chunks: list[RunChunk]) -> dict:
    summary = {
        "lines": sum(c.lines for c in chunks),
        "total": str(sum((Decimal(c.summary.get("total", "0")) for c in chunks), Decimal("0.00"))),
        "accounts_with_issues": sum(c.accounts_with_issues for c in chunks),
        "penalties": str(
            sum((Decimal(c.summary.get("penalties", "0")) for c in chunks), Decimal("0.00"))
        ),
        "failed_chunks": sum(1 for c in chunks if c.status == RunChunk.Status.FAILED),
    }
    changes = [c.summary["changes"] for c in chunks if "changes" in c.summary]
    if changes:
        summary["changes"] = {
            key: sum(change[key] for change in changes) for key in ("added", "removed", "changed")
        } | {
            key: str(sum((Decimal(change[key]) for change in changes), Decimal("0.00")))
            for key in ("total_before", "total_after")
        }
    return summary


def run_is_active(period: BillingPeriod) -> bool:
    """A run that writes is computing this period: chunks waiting or being computed,
    touched recently (a chunk whose worker died counts until BILLING_RUN_STALE_AFTER)."""
    fresh = timezone.now() - settings.BILLING_RUN_STALE_AFTER
    return RunChunk.objects.filter(
        Q(status=RunChunk.Status.PENDING) | Q(status=RunChunk.Status.RUNNING),
        run__period=period,
        run__dry_run=False,
        updated_at__gte=fresh,
    ).exists()


def period_close(*, period: BillingPeriod, user=None) -> BillingPeriod:
    """Close a computed period, which freezes its lines for good: refused while a run is
    computing it, before an earlier period is closed, or if it was never computed."""
    with transaction.atomic():
        period = BillingPeriod.objects.select_for_update().get(pk=period.pk)
        label = month_label(period.month)
        if period.is_closed:
            raise RunRefused(_("Период %(period)s уже закрыт.") % {"period": label})
        earlier = (
            BillingPeriod.objects.filter(
                organization_id=period.organization_id, month__lt=period.month, is_closed=False
            )
            .order_by("month")
            .first()
        )
        if earlier is not None:
            raise RunRefused(
                _("Сначала закройте период %(earlier)s.") % {"earlier": month_label(earlier.month)}
            )
        if run_is_active(period):
            raise RunRefused(
                _("Период %(period)s сейчас рассчитывается: закройте его после расчета.")
                % {"period": label}
            )
        computed = period.runs.filter(dry_run=False, status=BillingRun.Status.DONE).exists()
        if not computed and not period.charges.exists():
            raise RunRefused(
                _("Период %(period)s еще не рассчитан: запустите расчет.") % {"period": label}
            )
        period.is_closed = True
        period.closed_at = timezone.now()
        period.closed_by = user
        period.save(update_fields=["is_closed", "closed_at", "closed_by"])
    logger.info("billing.period.closed period=%s user_id=%s", period.pk, getattr(user, "pk", "-"))
    return period

"""Writes of the meters app: readings given by residents and staff, meters installed and
replaced, reading reminders. Each function owns its transaction and its row locks (the
meters concerned), and records every value given in `ReadingSubmission`.
Rules: docs/meters.md.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.periods import month_label, month_start
from kabinet.core.security import log_event
from kabinet.housing.models import AccountLink, Organization, PersonalAccount, Premises

from . import rules, selectors, window
from .models import Meter, Reading, ReadingReminder, ReadingSubmission
from .selectors import ZoneState, month_index

Source = Reading.Source
Kind = Reading.Kind
Channel = ReadingSubmission.Channel


# --- what the rules answer ---------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A value given for one meter zone, with the confirmations given with it."""

    meter: Meter
    zone: int
    value: Decimal
    rollover: bool = False  # "the meter rolled over", confirmed
    jump_confirmed: bool = False  # "the value is right" despite a large use


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    rollover_possible: bool = False  # the page offers "Счетчик перешел через ноль"
    jump: bool = False  # the page offers "Показание верное"


class ReadingsRefused(Exception):
    """Nothing was written. `problems` by (meter id, zone); `message` for the whole form;
    `stale_form`: the form's key was used before with other values (a page kept from an
    earlier send): the page must be shown again with a new key."""

    def __init__(
        self,
        problems: dict[tuple[int, int], list[Problem]] | None = None,
        message: str = "",
        *,
        stale_form: bool = False,
    ):
        self.problems = problems or {}
        self.message = message
        self.stale_form = stale_form
        super().__init__(
            message or "; ".join(p.message for ps in self.problems.values() for p in ps)
        )

    def messages(self) -> list[str]:
        found = [self.message] if self.message else []
        return found + [p.message for ps in self.problems.values() for p in ps]


@dataclass(frozen=True)
class Accepted:
    """A value that now counts (or already did)."""

    meter: Meter
    zone: int
    period: datetime.date
    kind: str
    value: Decimal
    use: Decimal | None  # since the previous reading; None without one
    previous: Reading | None
    rollover: bool = False
    replaced_value: Decimal | None = None  # the value it replaced, if any
    replaced_source: str = ""
    status: str = "new"  # new, replaced, unchanged, duplicate


@dataclass(frozen=True)
class Submitted:
    period: datetime.date
    key: str
    accepted: list[Accepted] = field(default_factory=list)
    duplicate: bool = False  # the same form again: nothing new recorded


def _reading_label(reading: Reading) -> str:
    month = month_label(reading.period)
    if reading.kind == Kind.INITIAL:
        return _("начальное, %(month)s") % {"month": month}
    if reading.kind == Kind.FINAL:
        return _("конечное, %(month)s") % {"month": month}
    return _("за %(month)s") % {"month": month}


def _fmt(meter: Meter, value: Decimal) -> str:
    return rules.format_reading(value, meter.decimal_places)


def _check(
    state: ZoneState, value: Decimal, *, rollover: bool, jump_confirmed: bool, source: str
) -> tuple[list[Problem], bool, Decimal | None]:
    """The rules for one value: (problems, whether it is a rollover, use since previous)."""
    meter = state.meter
    try:
        rules.value_check(
            value, capacity_digits=meter.capacity_digits, decimal_places=meter.decimal_places
        )
    except ValidationError as error:
        return [Problem(error.code or "invalid", error.messages[0])], False, None
    current = state.current
    if source == Source.RESIDENT and current is not None and current.source == Source.STAFF:
        message = _(
            "Показание %(when)s уже внесла управляющая организация: %(value)s. Если оно "
            "неверно, обратитесь в управляющую организацию."
        ) % {"when": _reading_label(current), "value": _fmt(meter, current.value)}
        return [Problem("staff", message)], False, None

    problems: list[Problem] = []
    previous, is_rollover = state.previous, False
    if previous is not None and value < previous.value:
        if rules.rollover_plausible(previous.value, value, capacity=meter.capacity):
            if rollover:
                is_rollover = True
            else:
                message = _(
                    "Показание меньше предыдущего (%(previous)s %(when)s). Если счетчик дошел "
                    "до %(max)s и начал счет с нуля, отметьте «Счетчик перешел через ноль» и "
                    "отправьте показания еще раз."
                ) % {
                    "previous": _fmt(meter, previous.value),
                    "when": _reading_label(previous),
                    "max": "9" * meter.capacity_digits,
                }
                problems.append(Problem("rollover", message, rollover_possible=True))
        else:
            message = _(
                "Показание не может быть меньше предыдущего: %(previous)s %(when)s. "
                "Проверьте цифры на счетчике."
            ) % {"previous": _fmt(meter, previous.value), "when": _reading_label(previous)}
            problems.append(Problem("below_previous", message))
    following = state.next
    if following is not None and not following.rollover and value > following.value:
        message = _(
            "Показание больше следующего: %(next)s %(when)s. Проверьте цифры на счетчике."
        ) % {"next": _fmt(meter, following.value), "when": _reading_label(following)}
        problems.append(Problem("above_next", message))
    if problems or previous is None:
        return problems, is_rollover, None

    use = rules.consumption(previous.value, value, capacity=meter.capacity, rollover=is_rollover)
    per_month = rules.monthly_use(
        selectors.point(previous),
        value,
        month_index=month_index(state.period),
        capacity=meter.capacity,
        rollover=is_rollover,
    )
    if rules.is_jump(per_month, state.average) and not jump_confirmed:
        message = _(
            "Расход %(use)s %(unit)s в месяц — больше трех средних (в среднем %(average)s "
            "%(unit)s в месяц). Если показание верное, отметьте «Показание верное» и "
            "отправьте показания еще раз."
        ) % {
            "use": rules.format_reading(per_month, meter.decimal_places),
            "average": rules.format_reading(state.average, meter.decimal_places),
            "unit": meter.unit,
        }
        problems.append(Problem("jump", message, jump=True))
    return problems, is_rollover, use


def _write(
    state: ZoneState,
    value: Decimal,
    *,
    rollover: bool,
    jump_confirmed: bool,
    use: Decimal | None,
    source: str,
    channel: str,
    user,
    ip: str | None,
    key: str,
    note: str = "",
    now: datetime.datetime,
) -> tuple[Accepted, ReadingSubmission]:
    """Make the value count and build (not save) its history row."""
    place = {"meter": state.meter, "period": state.period, "zone": state.zone, "kind": state.kind}
    current = state.current
    replaced_value, replaced_source = None, ""
    if current is not None:
        replaced_value, replaced_source = current.value, current.source
        current.value, current.rollover, current.source = value, rollover, source
        current.submitted_at = now
        current.save(update_fields=["value", "rollover", "source", "submitted_at"])
        replaced = _("заменило %(value)s (%(source)s)") % {
            "value": _fmt(state.meter, replaced_value),
            "source": Reading.Source(replaced_source).label,
        }
        note = f"{note}; {replaced}" if note else replaced
    else:
        Reading.objects.create(
            **place, value=value, rollover=rollover, source=source, submitted_at=now
        )
    submission = ReadingSubmission(
        **place,
        value=value,
        rollover=rollover,
        jump_confirmed=jump_confirmed,
        source=source,
        channel=channel,
        user=user if getattr(user, "pk", None) else None,
        ip_address=ip,
        key=key,
        note=note[:255],
        created_at=now,
    )
    accepted = Accepted(
        **place,
        value=value,
        use=use,
        previous=state.previous,
        rollover=rollover,
        replaced_value=replaced_value,
        replaced_source=replaced_source,
        status="replaced" if current is not None else "new",
    )
    return accepted, submission


def _closed(organization_id: int, period: datetime.date) -> bool:
    return period in window.closed_months(organization_id=organization_id, since=period)


class ClosedMonths:
    """Which months are closed for a meter's organization, asked of billing once per
    organization: the lines of one import share one."""

    def __init__(self):
        self._months: dict[int, set[datetime.date]] = {}
        self._organizations: dict[int, int] = {}

    def __call__(self, meter: Meter, period: datetime.date) -> bool:
        premises_id = meter.premises_id
        if premises_id not in self._organizations:
            self._organizations[premises_id] = Premises.objects.values_list(
                "house__organization_id", flat=True
            ).get(pk=premises_id)
        organization_id = self._organizations[premises_id]
        if organization_id not in self._months:
            self._months[organization_id] = window.closed_months(
                organization_id=organization_id, since=datetime.date(1900, 1, 1)
            )
        return period in self._months[organization_id]


def _closed_error(period: datetime.date) -> ValidationError:
    return ValidationError(
        _(
            "Месяц %(month)s закрыт: показания за него больше не меняются. Внесите "
            "показание за следующий месяц."
        )
        % {"month": month_label(period)},
        code="closed",
    )


# --- residents ---------------------------------------------------------------------------------


def readings_submit(
    *,
    account: PersonalAccount,
    entries: list[Entry],
    user,
    key: str,
    ip: str | None = None,
    at: datetime.datetime | None = None,
    confirm_by_email: bool = False,
) -> Submitted:
    """A resident's readings for the account's meters, all or none.

    They count for the month `window.moment_for` gives (after the window's last day, the
    next month; past a closed month, the next open one). A value equal to the one that
    counts already is left alone; a computed one (open month) is replaced; one entered
    by staff is not. The same form (`key`) sent twice records one submission: the second
    send returns the first one's result with `duplicate=True`.
    Raises ReadingsRefused with every problem found.
    """
    if not entries:
        raise ReadingsRefused(message=_("Введите показания хотя бы одного счетчика."))
    if not key or len(key) > 64:
        raise ReadingsRefused(message=_("Форма устарела: обновите страницу."), stale_form=True)
    moment = window.moment_for(account.organization, at=at)
    period = moment.period
    meter_ids = sorted({entry.meter.pk for entry in entries})
    try:
        with transaction.atomic():
            # Lock the meters: a second send of the same form waits here, then finds the
            # first one's rows below.
            meters = {
                meter.pk: meter
                for meter in selectors.meters_in_service(
                    premises_id=account.premises_id, on=moment.today
                )
                .filter(pk__in=meter_ids)
                .order_by("pk")
                .select_for_update()
            }
            # Stamped once the locks are held: the history's order is the order of writes.
            now = timezone.now()
            if set(meters) != set(meter_ids):
                raise ReadingsRefused(
                    message=_("Счетчик не найден среди счетчиков лицевого счета."),
                    stale_form=True,
                )
            readings = selectors.readings_by_zone(meter_ids=meter_ids)
            states = {
                (e.meter.pk, e.zone): selectors.zone_state(
                    meters[e.meter.pk],
                    e.zone,
                    readings.get((e.meter.pk, e.zone), []),
                    period=period,
                )
                for e in entries
            }
            earlier = list(ReadingSubmission.objects.filter(key=key, meter_id__in=meter_ids))
            if earlier:
                return _resent(earlier, entries, states, period=period, key=key)
            result = _submit(entries, meters, states, user=user, ip=ip, key=key, now=now)
            result = replace(result, period=period)
            if confirm_by_email and getattr(user, "email", ""):
                from .tasks import readings_confirmation_send

                readings_confirmation_send.enqueue(user_id=user.pk, account_id=account.pk, key=key)
    except IntegrityError:
        # Lost a race with the same form (the constraint caught what the lock did not).
        earlier = list(ReadingSubmission.objects.filter(key=key, meter_id__in=meter_ids))
        if not earlier:
            raise
        return Submitted(period=earlier[0].period, key=key, duplicate=True)
    log_event(
        "meters.readings_submitted",
        ip=ip,
        user_id=getattr(user, "pk", None),
        account_id=account.pk,
        period=f"{period:%Y-%m}",
        values=len(result.accepted),
    )
    return result


def _submit(entries, meters, states, *, user, ip, key, now) -> Submitted:
    problems: dict[tuple[int, int], list[Problem]] = {}
    changes = []
    for entry in entries:
        state = states[(entry.meter.pk, entry.zone)]
        current = state.current
        if (
            current is not None
            and current.value == entry.value
            and current.source != Source.COMPUTED
        ):
            continue  # the value that counts already: nothing to record
        found, is_rollover, use = _check(
            state,
            entry.value,
            rollover=entry.rollover,
            jump_confirmed=entry.jump_confirmed,
            source=Source.RESIDENT,
        )
        if found:
            problems[(entry.meter.pk, entry.zone)] = found
        else:
            changes.append((entry, state, is_rollover, use))
    if problems:
        raise ReadingsRefused(problems)
    if not changes:
        raise ReadingsRefused(
            message=_("Показания не изменились: такие значения уже переданы за этот месяц.")
        )
    accepted, rows = [], []
    for entry, state, is_rollover, use in changes:
        done, row = _write(
            state,
            entry.value,
            rollover=is_rollover,
            jump_confirmed=entry.jump_confirmed,
            use=use,
            source=Source.RESIDENT,
            channel=Channel.CABINET,
            user=user,
            ip=ip,
            key=key,
            now=now,
        )
        accepted.append(done)
        rows.append(row)
    ReadingSubmission.objects.bulk_create(rows)
    return Submitted(period=states[next(iter(states))].period, key=key, accepted=accepted)


def _resent(earlier, entries, states, *, period, key) -> Submitted:
    """The form's key was used: the same values again are a duplicate; others mean a
    page kept from an earlier send was changed and sent again."""
    recorded = {(row.meter_id, row.zone): row.value for row in earlier}
    for entry in entries:
        place = (entry.meter.pk, entry.zone)
        if place in recorded:
            if recorded[place] != entry.value:
                break
        else:
            current = states[place].current
            if current is None or current.value != entry.value:
                break
    else:
        accepted = [
            Accepted(
                meter=states[(row.meter_id, row.zone)].meter,
                zone=row.zone,
                period=row.period,
                kind=row.kind,
                value=row.value,
                use=None,
                previous=None,
                rollover=row.rollover,
                status="duplicate",
            )
            for row in earlier
            if (row.meter_id, row.zone) in states
        ]
        return Submitted(period=earlier[0].period, key=key, accepted=accepted, duplicate=True)
    raise ReadingsRefused(
        message=_(
            "Эта страница уже была отправлена, и значения на ней с тех пор изменились. "
            "Проверьте показания ниже и отправьте их еще раз."
        ),
        stale_form=True,
    )


# --- staff -------------------------------------------------------------------------------------


def _kind_check(meter: Meter, period: datetime.date, kind: str) -> None:
    installed = month_start(meter.installed_on)
    removed = month_start(meter.removed_on) if meter.removed_on else None
    if kind == Kind.INITIAL and period != installed:
        raise ValidationError(
            {"period": _("Начальное показание вносится за месяц установки: %(month)s.")
             % {"month": month_label(installed)}}
        )  # fmt: skip
    if kind == Kind.FINAL and period != removed:
        raise ValidationError(
            {"kind": _("Конечное показание вносится за месяц снятия счетчика; снимают "
                       "счетчик действием «Заменить счетчик».")}
        )  # fmt: skip
    if period < installed or (removed is not None and period > removed):
        raise ValidationError(
            {"period": _("Счетчик в этом месяце не работал: установлен %(installed)s%(removed)s.")
             % {"installed": f"{meter.installed_on:%d.%m.%Y}",
                "removed": _(", снят %(day)s") % {"day": f"{meter.removed_on:%d.%m.%Y}"}
                if meter.removed_on else ""}}
        )  # fmt: skip


def reading_enter(
    *,
    meter: Meter,
    period: datetime.date,
    value: Decimal,
    user,
    key: str,
    zone: int = 1,
    kind: str = Kind.REGULAR,
    rollover: bool = False,
    jump_confirmed: bool = False,
    channel: str = Channel.ADMIN,
    ip: str | None = None,
    note: str = "",
    closed: ClosedMonths | None = None,
    log: bool = True,
) -> Accepted:
    """A reading entered by staff (by hand or from a file): it replaces a resident's or a
    computed value of the month; a closed month refuses it. The same `key` again returns
    the first result (status "duplicate"); the value that counts already, "unchanged".
    Raises ValidationError (zone, month, closed) or ReadingsRefused (the rules).
    An import passes one `closed` for all its lines and logs once (`log=False`)."""
    period = month_start(period)
    if zone not in meter.zones:
        raise ValidationError(
            {"zone": _("У этого счетчика %(zones)d зон(ы).") % {"zones": meter.tariff_zones}}
        )
    _kind_check(meter, period, kind)
    if (closed or ClosedMonths())(meter, period):
        raise _closed_error(period)
    try:
        with transaction.atomic():
            meter = Meter.objects.select_for_update().get(pk=meter.pk)
            now = timezone.now()
            earlier = ReadingSubmission.objects.filter(
                key=key, meter=meter, zone=zone, kind=kind
            ).first()
            if earlier is not None:
                return _as_duplicate(meter, earlier)
            readings = selectors.readings_by_zone(meter_ids=[meter.pk]).get((meter.pk, zone), [])
            state = selectors.zone_state(meter, zone, readings, period=period, kind=kind)
            current = state.current
            if (
                current is not None
                and current.value == value
                and current.source == Source.STAFF
                and current.rollover == rollover
            ):
                return Accepted(
                    meter, zone, period, kind, value, None, state.previous,
                    rollover=rollover, status="unchanged",
                )  # fmt: skip
            found, is_rollover, use = _check(
                state, value, rollover=rollover, jump_confirmed=jump_confirmed, source=Source.STAFF
            )
            if found:
                raise ReadingsRefused({(meter.pk, zone): found})
            accepted, row = _write(
                state, value, rollover=is_rollover, jump_confirmed=jump_confirmed, use=use,
                source=Source.STAFF, channel=channel, user=user, ip=ip, key=key, note=note,
                now=now,
            )  # fmt: skip
            row.save()
    except IntegrityError:
        earlier = ReadingSubmission.objects.filter(
            key=key, meter_id=meter.pk, zone=zone, kind=kind
        ).first()
        if earlier is None:
            raise
        return _as_duplicate(meter, earlier)
    if log:
        log_event(
            "meters.reading_entered",
            ip=ip,
            user_id=getattr(user, "pk", None),
            meter_id=meter.pk,
            period=f"{period:%Y-%m}",
            zone=zone,
            kind=kind,
            channel=channel,
        )
    return accepted


def _as_duplicate(meter: Meter, row: ReadingSubmission) -> Accepted:
    return Accepted(
        meter, row.zone, row.period, row.kind, row.value, None, None,
        rollover=row.rollover, status="duplicate",
    )  # fmt: skip


# --- installing and replacing meters --------------------------------------------------------


@dataclass(frozen=True)
class NewMeter:
    """What the back office types for a meter being installed."""

    serial_number: str
    installed_on: datetime.date
    tariff_zones: int = 1
    capacity_digits: int = 5
    decimal_places: int = 0
    next_verification_on: datetime.date | None = None


def _meter_build(premises: Premises, resource: str, new: NewMeter) -> Meter:
    meter = Meter(
        premises=premises,
        resource=resource,
        serial_number=new.serial_number.strip(),
        tariff_zones=new.tariff_zones,
        capacity_digits=new.capacity_digits,
        decimal_places=new.decimal_places,
        installed_on=new.installed_on,
        next_verification_on=new.next_verification_on,
    )
    meter.full_clean()
    return meter


def _values_check(meter: Meter, values: dict[int, Decimal], field_name: str) -> None:
    if sorted(values) != list(meter.zones):
        raise ValidationError(
            {field_name: _("Укажите показание каждой тарифной зоны (%(zones)d).")
             % {"zones": meter.tariff_zones}}
        )  # fmt: skip
    for value in values.values():
        try:
            rules.value_check(
                value, capacity_digits=meter.capacity_digits, decimal_places=meter.decimal_places
            )
        except ValidationError as error:
            raise ValidationError({field_name: error.messages}) from None


def _initial_write(meter: Meter, values: dict[int, Decimal], *, user, ip, key, now) -> None:
    rows = []
    for zone, value in sorted(values.items()):
        state = selectors.ZoneState(
            meter, zone, month_start(meter.installed_on), Kind.INITIAL, None, None, None, None
        )
        _accepted, row = _write(
            state, value, rollover=False, jump_confirmed=False, use=None, source=Source.STAFF,
            channel=Channel.REPLACEMENT, user=user, ip=ip, key=key, now=now,
        )  # fmt: skip
        rows.append(row)
    ReadingSubmission.objects.bulk_create(rows)


def meter_install(
    *,
    premises: Premises,
    resource: str,
    new: NewMeter,
    initial_values: dict[int, Decimal],
    user,
    key: str,
    ip: str | None = None,
) -> Meter:
    """A new meter with its initial reading per zone (the start of its first month)."""
    meter = _meter_build(premises, resource, new)
    _values_check(meter, initial_values, "initial")
    if _closed(premises.house.organization_id, month_start(new.installed_on)):
        raise _closed_error(month_start(new.installed_on))
    with transaction.atomic():
        meter.save()
        _initial_write(meter, initial_values, user=user, ip=ip, key=key, now=timezone.now())
    log_event(
        "meters.meter_installed", ip=ip, user_id=getattr(user, "pk", None), meter_id=meter.pk
    )
    return meter


def meter_replace(
    *,
    meter: Meter,
    removed_on: datetime.date,
    final_values: dict[int, Decimal],
    new: NewMeter,
    initial_values: dict[int, Decimal],
    user,
    key: str,
    ip: str | None = None,
    rollover: bool = False,
    jump_confirmed: bool = False,
) -> Meter:
    """Remove `meter` on `removed_on` with its final reading per zone and install `new`
    in its place (same premises and resource) with its initial reading, all at once.

    Billing adds the old meter's last part (final − the reading before it) to the new
    meter's first month (new regular − initial). Raises ValidationError, with the field
    at fault, or ReadingsRefused (the final reading against the meter's history)."""
    if meter.removed_on is not None:
        raise ValidationError(
            _("Счетчик уже снят %(day)s.") % {"day": f"{meter.removed_on:%d.%m.%Y}"}
        )
    if removed_on < meter.installed_on:
        raise ValidationError({"removed_on": _("Дата снятия раньше даты установки счетчика.")})
    if new.installed_on < removed_on:
        raise ValidationError(
            {"installed_on": _("Новый счетчик не может быть установлен раньше снятия старого.")}
        )
    _values_check(meter, final_values, "final")
    organization_id = meter.premises.house.organization_id
    for month in {month_start(removed_on), month_start(new.installed_on)}:
        if _closed(organization_id, month):
            raise _closed_error(month)
    with transaction.atomic():
        meter = Meter.objects.select_for_update().get(pk=meter.pk)
        now = timezone.now()
        if meter.removed_on is not None:
            raise ValidationError(_("Счетчик уже снят."))
        meter.removed_on = removed_on
        readings = selectors.readings_by_zone(meter_ids=[meter.pk])
        problems, rows = {}, []
        for zone, value in sorted(final_values.items()):
            state = selectors.zone_state(
                meter, zone, readings.get((meter.pk, zone), []),
                period=month_start(removed_on), kind=Kind.FINAL,
            )  # fmt: skip
            found, is_rollover, use = _check(
                state, value, rollover=rollover, jump_confirmed=jump_confirmed, source=Source.STAFF
            )
            if found:
                problems[(meter.pk, zone)] = found
                continue
            _accepted, row = _write(
                state, value, rollover=is_rollover, jump_confirmed=jump_confirmed, use=use,
                source=Source.STAFF, channel=Channel.REPLACEMENT, user=user, ip=ip, key=key,
                now=now,
            )  # fmt: skip
            rows.append(row)
        if problems:
            raise ReadingsRefused(problems)
        meter.save(update_fields=["removed_on"])
        ReadingSubmission.objects.bulk_create(rows)
        replacement = _meter_build(meter.premises, meter.resource, new)
        _values_check(replacement, initial_values, "initial")
        replacement.save()
        _initial_write(replacement, initial_values, user=user, ip=ip, key=key, now=now)
    log_event(
        "meters.meter_replaced",
        ip=ip,
        user_id=getattr(user, "pk", None),
        meter_id=meter.pk,
        new_meter_id=replacement.pk,
    )
    return replacement


# --- reminders -----------------------------------------------------------------------------


def reminder_links(*, organization: Organization, month: datetime.date, on: datetime.date):
    """Links to remind for the month: reminders on, an active user with an e-mail, an open
    account with meters in service, no reminder this month yet, and not every zone of the
    meters given a reading for the month already."""
    in_service = Meter.objects.filter(premises_id=OuterRef("account__premises_id")).filter(
        Q(installed_on__lte=on), Q(removed_on__isnull=True) | Q(removed_on__gt=on)
    )
    zones = in_service.order_by().values("premises_id").annotate(n=Sum("tariff_zones")).values("n")
    given = (
        Reading.objects.filter(
            meter__premises_id=OuterRef("account__premises_id"),
            period=month,
            kind=Kind.REGULAR,
        )
        .exclude(source=Source.COMPUTED)
        .filter(Q(meter__removed_on__isnull=True) | Q(meter__removed_on__gt=on))
        .order_by()
        .values("meter__premises_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        AccountLink.objects.filter(
            account__organization=organization,
            account__closed_on__isnull=True,
            reading_reminders=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .filter(Exists(in_service))
        .exclude(Exists(ReadingReminder.objects.filter(link=OuterRef("pk"), month=month)))
        .annotate(
            zones=Coalesce(Subquery(zones, output_field=IntegerField()), 0),
            given=Coalesce(Subquery(given, output_field=IntegerField()), 0),
        )
        .filter(given__lt=F("zones"))
        .order_by("pk")
    )


@dataclass(frozen=True)
class ReminderRun:
    organizations: list[Organization]
    queued: int


REMINDER_CHUNK = 200


def reminders_queue(*, on: datetime.date, dry_run: bool = False) -> ReminderRun:
    """Queue the reading reminders of the organizations whose window opens on `on`.

    A reminder row per account link and month is claimed in the same transaction as the
    task that sends it (the task queue lives in the same database), so running twice —
    even at once — mails each link at most once a month."""
    from .tasks import reminders_send

    month = month_start(on)
    opening = [
        organization
        for organization in Organization.objects.filter(is_management_company=True)
        if window.window_of(organization, month).opens == on
    ]
    queued = 0
    for organization in opening:
        links = reminder_links(organization=organization, month=month, on=on)
        ids = list(links.values_list("pk", flat=True))
        if dry_run:
            queued += len(ids)
            continue
        for start in range(0, len(ids), REMINDER_CHUNK):
            chunk = ids[start : start + REMINDER_CHUNK]
            try:
                with transaction.atomic():
                    created = ReadingReminder.objects.bulk_create(
                        ReadingReminder(link_id=link_id, month=month) for link_id in chunk
                    )
                    reminders_send.enqueue(reminder_ids=[r.pk for r in created])
            except IntegrityError:
                continue  # another run claimed these links this month
            queued += len(created)
    return ReminderRun(organizations=opening, queued=queued)


def reminders_send_now(*, reminder_ids: Iterable[int]) -> int:
    """Send the claimed reminders not sent yet; returns how many went out."""
    from . import emails

    sent = 0
    for reminder_id in reminder_ids:
        with transaction.atomic():
            reminder = (
                ReadingReminder.objects.select_for_update()
                .select_related(
                    "link__user", "link__account__organization", "link__account__premises__house"
                )
                .filter(pk=reminder_id)
                .first()
            )
            if reminder is None or reminder.sent_at is not None:
                continue
            link = reminder.link
            if not link.reading_reminders or not link.user.is_active or not link.user.email:
                reminder.error = _("напоминания отключены")
                reminder.save(update_fields=["error"])
                continue
            try:
                emails.reading_reminder(link=link, month=reminder.month)
            except Exception as error:  # the next reminder must still go
                reminder.error = f"{type(error).__name__}: {error}"[:255]
                reminder.save(update_fields=["error"])
                continue
            reminder.sent_at = timezone.now()
            reminder.error = ""
            reminder.save(update_fields=["sent_at", "error"])
            sent += 1
    return sent


def reminders_retry(*, month: datetime.date) -> int:
    """Queue again the month's reminders that failed (their rows stay claimed)."""
    from .tasks import reminders_send

    ids = list(
        ReadingReminder.objects.filter(month=month, sent_at__isnull=True)
        .exclude(error="")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), REMINDER_CHUNK):
        reminders_send.enqueue(reminder_ids=ids[start : start + REMINDER_CHUNK])
    return len(ids)


def reading_reminders_set(*, link: AccountLink, on: bool, ip: str | None = None) -> bool:
    """Turn the link's reading reminders on or off; returns whether anything changed."""
    changed = (
        AccountLink.objects.filter(pk=link.pk)
        .exclude(reading_reminders=on)
        .update(reading_reminders=on)
    )
    link.reading_reminders = on
    if changed:
        log_event(
            "meters.reminders_on" if on else "meters.reminders_off",
            ip=ip,
            user_id=link.user_id,
            account_id=link.account_id,
        )
    return bool(changed)

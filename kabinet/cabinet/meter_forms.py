"""The form "Ввести показания": one field per meter zone, the previous reading beside it,
confirmations offered only when a rule asks for them (docs/meters.md)."""

import re
import uuid
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.core.periods import month_label
from kabinet.meters import rules, services
from kabinet.meters.models import Reading
from kabinet.meters.selectors import SheetMeter, ZoneState


class ReadingField(forms.Field):
    """A reading as people type it, checked against the meter's dial."""

    def __init__(self, *, capacity_digits: int, decimal_places: int, **kwargs):
        self.capacity_digits, self.decimal_places = capacity_digits, decimal_places
        attrs = {
            "inputmode": "decimal" if decimal_places else "numeric",
            "autocomplete": "off",
            "maxlength": 30,
        }
        super().__init__(required=False, widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        return rules.value_parse(
            text, capacity_digits=self.capacity_digits, decimal_places=self.decimal_places
        )


def _value(state: ZoneState, reading: Reading) -> str:
    return rules.format_reading(reading.value, state.meter.decimal_places)


def _help(state: ZoneState) -> str:
    """The rules of the field (the previous reading is printed beside it)."""
    meter, parts = state.meter, []
    current = state.current
    if current is not None and current.source == Reading.Source.RESIDENT:
        parts.append(
            _("Переданное за %(month)s: %(value)s; его можно исправить.")
            % {"month": month_label(state.period), "value": _value(state, current)}
        )
    elif current is not None and current.source == Reading.Source.COMPUTED:
        parts.append(
            _(
                "Сейчас за %(month)s учтено расчетное показание %(value)s: переданное вами его заменит."
            )
            % {"month": month_label(state.period), "value": _value(state, current)}
        )
    if meter.decimal_places:
        parts.append(
            _("До %(digits)d цифр до запятой и %(places)d после.")
            % {"digits": meter.capacity_digits, "places": meter.decimal_places}
        )
    else:
        parts.append(
            _("Только целая часть, до %(digits)d цифр.") % {"digits": meter.capacity_digits}
        )
    return " ".join(parts)


@dataclass
class ZoneRow:
    """One zone's inputs on the page."""

    state: ZoneState
    value: forms.BoundField
    rollover: forms.BoundField
    jump: forms.BoundField
    show_rollover: bool = False
    show_jump: bool = False

    @property
    def locked(self) -> bool:
        """Entered by staff this month: the resident cannot change it."""
        current = self.state.current
        return current is not None and current.source == Reading.Source.STAFF


@dataclass
class MeterGroup:
    item: SheetMeter
    rows: list[ZoneRow]

    @property
    def meter(self):
        return self.item.meter


KEY = re.compile(r"[0-9a-f]{32}")


def _name(state: ZoneState) -> str:
    return f"m{state.meter.pk}_z{state.zone}"


class ReadingsForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm_by_email = forms.BooleanField(required=False)

    def __init__(self, *args, sheet: list[SheetMeter], email: str = "", **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        # A key that is not one this page gave (lost, tampered): a new one, and the page
        # is shown again rather than saved.
        self.key_replaced = self.is_bound and not KEY.fullmatch(self.data.get("key") or "")
        if self.key_replaced:
            self.data = self.data.copy()
            self.data["key"] = uuid.uuid4().hex
        self.sheet, self.email = sheet, email
        self.fields["confirm_by_email"].label = _("Прислать подтверждение на e-mail %(email)s") % {
            "email": email
        }
        if not email:
            del self.fields["confirm_by_email"]
        self._states: dict[str, ZoneState] = {}
        for item in sheet:
            meter = item.meter
            for state in item.zones:
                name = _name(state)
                self._states[name] = state
                label = _("Показание, %(unit)s") % {"unit": meter.unit}
                if meter.tariff_zones > 1:
                    label = _("%(zone)s, %(unit)s") % {"zone": state.name, "unit": meter.unit}
                current = state.current
                locked = current is not None and current.source == Reading.Source.STAFF
                self.fields[name] = ReadingField(
                    capacity_digits=meter.capacity_digits,
                    decimal_places=meter.decimal_places,
                    label=label,
                    help_text=_help(state),
                    disabled=locked,
                )
                if current is not None and current.source != Reading.Source.COMPUTED:
                    self.initial.setdefault(name, _value(state, current))
                self.fields[f"{name}_rollover"] = forms.BooleanField(
                    required=False,
                    label=_("Счетчик перешел через ноль (после %(max)s начал счет заново)")
                    % {"max": "9" * meter.capacity_digits},
                )
                self.fields[f"{name}_jump"] = forms.BooleanField(
                    required=False,
                    label=gettext_lazy("Показание верное, большой расход подтверждаю"),
                )
        self._show: dict[str, set[str]] = {"rollover": set(), "jump": set()}
        if self.is_bound:
            # Keep a confirmation on the page once it was offered and ticked.
            for name in self._states:
                for what in ("rollover", "jump"):
                    if self.data.get(f"{name}_{what}"):
                        self._show[what].add(name)

    def groups(self) -> list[MeterGroup]:
        return [
            MeterGroup(
                item,
                [
                    ZoneRow(
                        state,
                        self[_name(state)],
                        self[f"{_name(state)}_rollover"],
                        self[f"{_name(state)}_jump"],
                        show_rollover=_name(state) in self._show["rollover"],
                        show_jump=_name(state) in self._show["jump"],
                    )
                    for state in item.zones
                ],
            )
            for item in self.sheet
        ]

    def clean(self):
        cleaned = super().clean()
        if self.key_replaced:
            raise ValidationError(
                _("Страница устарела: проверьте показания и отправьте их еще раз."), code="key"
            )
        if not self.errors and not any(
            cleaned.get(name) is not None
            for name in self._states
            if not self.fields[name].disabled
        ):
            raise ValidationError(_("Введите показания хотя бы одного счетчика."), code="empty")
        return cleaned

    def entries(self) -> list[services.Entry]:
        entries = []
        for name, state in self._states.items():
            value = self.cleaned_data.get(name)
            if value is None or self.fields[name].disabled:
                continue
            entries.append(
                services.Entry(
                    meter=state.meter,
                    zone=state.zone,
                    value=value,
                    rollover=bool(self.cleaned_data.get(f"{name}_rollover")),
                    jump_confirmed=bool(self.cleaned_data.get(f"{name}_jump")),
                )
            )
        return entries

    def refuse(self, refused: services.ReadingsRefused) -> None:
        """Show what the rules said, each problem next to its field."""
        names = {(s.meter.pk, s.zone): name for name, s in self._states.items()}
        for place, problems in refused.problems.items():
            name = names.get(place)
            for problem in problems:
                if name is None:
                    self.add_error(None, problem.message)
                    continue
                self.add_error(name, ValidationError(problem.message, code=problem.code))
                if problem.rollover_possible:
                    self._show["rollover"].add(name)
                if problem.jump:
                    self._show["jump"].add(name)
        if refused.message:
            self.add_error(None, refused.message)

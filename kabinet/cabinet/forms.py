"""The attach form of Fig. 4 (cascading choices, proof of the last payment, CAPTCHA) and the
profile's subscriptions form."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.captcha import CaptchaDescribedMixin, captcha_field
from kabinet.housing import selectors

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"]
MAX_AMOUNT = Decimal("100000000")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_AMOUNT = re.compile(r"\d+(\.\d{1,2})?")


class AmountField(forms.CharField):
    """A sum in roubles as people type it: "1500", "1 500,00", "1500.5", "1 500 ₽"."""

    default_error_messages = {
        "invalid": _(
            "Введите сумму цифрами, например 1500,00 (не больше двух знаков после запятой)."
        ),
        "too_large": _("Слишком большая сумма: проверьте, не лишние ли цифры."),
    }

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        text = _SPACES.sub("", text).removesuffix("₽").removesuffix("руб.").replace(",", ".")
        if len(text) > 30 or not _AMOUNT.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if amount >= MAX_AMOUNT:
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        return amount


def _choice_field(label: str, missing: str) -> forms.TypedChoiceField:
    # Needed unless the account's number is typed instead (AccountAttachForm.clean).
    return forms.TypedChoiceField(
        label=label,
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"required": missing, "invalid_choice": missing},
    )


def _as_int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class AccountAttachForm(CaptchaDescribedMixin, forms.Form):
    """Each list depends on the previous choice: choices are rebuilt from the data given.

    A value outside its list (tampered, or stale after the previous choice changed) is
    rejected by the choice field, so the account always belongs to the chosen premises,
    house and organization.
    """

    number = forms.CharField(
        label=_("Номер лицевого счета"),
        required=False,
        max_length=30,
        help_text=_("Как в квитанции, например 1234567. Или выберите лицевой счет по адресу."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    organization = _choice_field(
        _("Управляющая организация"), _("Выберите управляющую организацию.")
    )
    house = _choice_field(_("Дом"), _("Выберите дом."))
    premises = _choice_field(_("Квартира"), _("Выберите квартиру."))
    account = _choice_field(_("Лицевой счет"), _("Выберите лицевой счет."))
    paid_on = forms.DateField(
        label=_("Дата платежа"),
        input_formats=DATE_FORMATS,
        # A text box in the Russian format whatever the browser's language; the page's
        # script adds the browser's calendar (an <input type="date"> behind a button).
        widget=forms.DateInput(
            format="%d.%m.%Y",
            attrs={
                "placeholder": _("ДД.ММ.ГГГГ"),
                "inputmode": "numeric",
                "autocomplete": "off",
                "maxlength": 10,
            },
        ),
        help_text=_("Например, 30.09.2014."),
        error_messages={
            "required": _("Укажите дату последнего платежа."),
            "invalid": _("Введите дату в виде ДД.ММ.ГГГГ, например 30.09.2014."),
        },
    )
    amount = AmountField(
        label=_("Сумма платежа"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 30}
        ),
        help_text=_("В рублях, например 1500,00."),
        error_messages={"required": _("Укажите сумму последнего платежа.")},
    )
    captcha = captcha_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.today = timezone.localdate()
        levels = [
            ("organization", lambda _parent: selectors.attach_organizations()),
            ("house", lambda parent: selectors.attach_houses(organization_id=parent)),
            ("premises", lambda parent: selectors.attach_premises(house_id=parent)),
            ("account", lambda parent: selectors.attach_accounts(premises_id=parent)),
        ]
        # Each list is filled only when the previous choice is one of that previous list.
        parent, parent_valid = None, True
        for name, options_for in levels:
            options = options_for(parent) if parent_valid else []
            self.fields[name].choices = [("", _("— выберите —"))] + [
                (option.value, option.label) for option in options
            ]
            # "Дом", "Квартира", "Лицевой счет" stay disabled while there is nothing to choose.
            self.fields[name].widget.attrs.pop("disabled", None)
            if not options:
                self.fields[name].widget.attrs["disabled"] = True
            chosen = _as_int(source.get(name))
            parent_valid = chosen is not None and any(o.value == chosen for o in options)
            parent = chosen

    CHOICES = ("organization", "house", "premises", "account")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("number", "").strip():
            return cleaned  # the shortcut: the number (and the organization, if chosen)
        if "number" not in self._errors and cleaned.get("organization") is None:
            self.add_error(
                "number",
                ValidationError(
                    _("Введите номер лицевого счета или выберите лицевой счет по адресу."),
                    code="required",
                ),
            )
        # Only the first list still to choose from is told: the ones after it are empty.
        for name in self.CHOICES:
            if name in self._errors:
                break
            if cleaned.get(name) is None:
                self.add_error(name, self.fields[name].error_messages["required"])
                break
        return cleaned

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > self.today:
            raise ValidationError(
                _("Дата платежа не может быть позже сегодняшней."), code="future"
            )
        return paid_on


class SubscriptionsForm(forms.Form):
    """Two switches per attached account: receipts by e-mail, meter-reading reminders.

    Built from the user's own links only: a field for another user's account cannot
    exist, whatever is posted.
    """

    SWITCHES = (
        ("receipts_by_email", _("Квитанции по e-mail")),
        ("reading_reminders", _("Напоминания о показаниях счетчиков")),
    )

    def __init__(self, links, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.links = links
        for link in links:
            for field, label in self.SWITCHES:
                self.fields[self.field_name(field, link.account_id)] = forms.BooleanField(
                    label=label, required=False, initial=getattr(link, field)
                )

    @staticmethod
    def field_name(field: str, account_id: int) -> str:
        return f"{field}_{account_id}"

    def groups(self):
        """(link, [bound fields]) per account, for the template."""
        return [
            (
                link,
                [self[self.field_name(field, link.account_id)] for field, _label in self.SWITCHES],
            )
            for link in self.links
        ]

    def wanted(self) -> dict[int, dict[str, bool]]:
        """The switches asked for, per account id."""
        return {
            link.account_id: {
                field: self.cleaned_data[self.field_name(field, link.account_id)]
                for field, _label in self.SWITCHES
            }
            for link in self.links
        }

"""The sandbox's payment form (Fig. 6). Card fields exist only on this imitation of a
gateway's page: they are checked for form, never stored, logged or shown back."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import receipt_contact_normalize
from . import cards

_SPACES = re.compile(r"[\s\u00a0\u202f-]")


class BlankInput(forms.TextInput):
    """A text input that never writes its value back into the page."""

    def format_value(self, value):
        return None


def _input(**attrs) -> BlankInput:
    return BlankInput(attrs={"autocomplete": "off", "spellcheck": "false", **attrs})


class CardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Номер карты"),
        max_length=32,
        widget=_input(inputmode="numeric", placeholder="1111 2222 3333 4444"),
        error_messages={"required": _("Введите номер карты.")},
    )
    expiry = forms.CharField(
        label=_("Срок действия"),
        max_length=7,
        widget=_input(inputmode="numeric", placeholder=_("ММ/ГГ")),
        error_messages={"required": _("Введите срок действия карты.")},
    )
    cvc = forms.CharField(
        label=_("CVC2/CVV2"),
        max_length=4,
        widget=_input(inputmode="numeric", placeholder="123"),
        error_messages={"required": _("Введите три цифры с оборота карты.")},
    )
    contact = forms.CharField(
        label=_("E-mail или телефон"),
        required=False,
        max_length=254,
        help_text=_("Необязательно."),
    )

    def clean_card_number(self):
        number = _SPACES.sub("", self.cleaned_data["card_number"])
        if not number.isdigit() or not 13 <= len(number) <= 19 or not cards.luhn_valid(number):
            raise ValidationError(_("Проверьте номер карты: в нем ошибка."))
        return number

    def clean_expiry(self):
        text = _SPACES.sub("", self.cleaned_data["expiry"])
        match = re.fullmatch(r"(\d{2})/?(\d{2})", text)
        if not match or not 1 <= int(match[1]) <= 12:
            raise ValidationError(_("Введите срок действия как на карте: ММ/ГГ, например 09/28."))
        month, year = int(match[1]), 2000 + int(match[2])
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise ValidationError(_("Срок действия карты истек."))
        if year > today.year + 20:
            raise ValidationError(_("Проверьте год: карта не выпускается на столько лет."))
        return datetime.date(year, month, 1)

    def clean_cvc(self):
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3}", cvc):
            raise ValidationError(_("CVC2/CVV2: три цифры с оборота карты."))
        return cvc

    def clean_contact(self):
        value = self.cleaned_data["contact"]
        return receipt_contact_normalize(value) if value.strip() else ""

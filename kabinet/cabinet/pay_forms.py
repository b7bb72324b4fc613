"""The resident's side of online payment: how much to pay, where to send the receipt.

No card field here, ever: the card is typed on the gateway's own page (docs/payments.md).
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.core.money import format_money
from kabinet.payments.validators import receipt_contact_normalize

from .forms import AmountField


class OnlinePaymentForm(forms.Form):
    amount = AmountField(
        label=_("Сумма к оплате, ₽"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 30}
        ),
        help_text=_("Можно изменить: например, 1 500,50."),
        error_messages={"required": _("Укажите сумму платежа.")},
    )
    contact = forms.CharField(
        label=_("E-mail или телефон для чека"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
        help_text=_("Необязательно: сюда придет электронный кассовый чек."),
    )

    def __init__(self, *args, max_amount: Decimal, ask_contact: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_amount = max_amount
        if not ask_contact:
            del self.fields["contact"]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError(_("Сумма должна быть больше нуля."), code="not_positive")
        if amount > self.max_amount:
            raise ValidationError(
                _("Не больше %(max)s ₽ за один платеж."),
                code="too_large",
                params={"max": format_money(self.max_amount)},
            )
        return amount

    def clean_contact(self):
        value = self.cleaned_data["contact"]
        return receipt_contact_normalize(value) if value.strip() else ""

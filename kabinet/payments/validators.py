from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.validators import phone_normalize

CONTACT_INVALID = _("Введите e-mail (name@example.ru) или мобильный телефон (+7 912 345-67-89).")


def receipt_contact_normalize(value: str) -> str:
    """Where an electronic receipt goes: an e-mail as typed, or a mobile phone in E.164
    ("+79123456789"). Raises ValidationError in Russian."""
    value = value.strip()
    try:
        if "@" in value:
            validate_email(value)
            return value
        return phone_normalize(value)
    except ValidationError:
        raise ValidationError(CONTACT_INVALID, code="invalid") from None

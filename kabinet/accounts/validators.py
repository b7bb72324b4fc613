from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """Refuse passwords longer than 128 characters (hashing cost stays bounded)."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("Пароль слишком длинный: не более %(max)d символов.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Не более %(max)d символов.") % {"max": self.max_length}

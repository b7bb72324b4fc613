"""Rules for logins, passwords and phones (docs/security.md: the password policy and why)."""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

USERNAME_MAX_LENGTH = 30
# Russian and Latin letters, digits, hyphen, underscore; a letter first (Fig. 2 of the manual).
USERNAME_RE = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё0-9_-]*")
_FIRST_CHAR_RE = re.compile(r"[A-Za-zА-Яа-яЁё]")
PHONE_REGION = "RU"
PHONE_INPUT_MAX_LENGTH = 32
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


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


# Characters with no visible shape (the categories below, and blanks Unicode counts as
# letters or symbols): a password made only of them is refused.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"}
_BLANKS = set("\u115f\u1160\u3164\uffa0\u2800\u180e\u2028\u2029")


def is_invisible(char: str) -> bool:
    return char.isspace() or char in _BLANKS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


class VisiblePasswordValidator:
    """Refuse passwords made only of spaces or invisible characters (eight spaces, eight
    zero-width spaces): the length rule counts them, a person cannot see or retype them."""

    def validate(self, password, user=None):
        if password and all(is_invisible(char) for char in password):
            raise ValidationError(
                _("Пароль не может состоять только из пробелов и невидимых символов."),
                code="password_invisible",
            )

    def get_help_text(self):
        return _("Не только пробелы и невидимые символы.")


# Letters that look alike in the Latin, Cyrillic and Greek alphabets, mapped to one Latin
# shape (after Unicode's confusables.txt, for the letters a login may hold and the Greek
# ones that look the same), and digits that pass for letters. Two logins with the same
# skeleton look the same on screen: "Аdmin" (Cyrillic А) and "admin", "ОРЕRАТОR" and
# "operator", "l1ly" and "llly".
_CONFUSABLES = {
    # Cyrillic capitals and small letters
    **dict(zip("АВЕЗКМНОРСТУХЅІЈ", "ABE3KMHOPCTYXSIJ", strict=True)),
    **dict(zip("аезкорсухѕіјԁԛԝ", "ae3kopcyxsijdqw", strict=True)),
    # Greek capitals and small letters
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    **dict(zip("αικνορτυχ", "aikvoptux", strict=True)),
    # Digits and letters that pass for one another
    "0": "o",
    "1": "l",
    "I": "l",
    "|": "l",
}


def username_skeleton(value: str) -> str:
    """The login's shape: confusable letters mapped to one form, then case folded."""
    return "".join(_CONFUSABLES.get(char, char) for char in value).casefold().replace("i", "l")


def username_scripts(value: str) -> set[str]:
    """The alphabets of the login's letters: {"latin"}, {"cyrillic"}, or both."""
    scripts = set()
    for char in value:
        if char.isalpha():
            name = unicodedata.name(char, "")
            scripts.add(name.split(" ", 1)[0].lower())
    return scripts


def username_normalize(value: str) -> str:
    """NFKC, as Django does for logins: "й" typed as "и" + breve is the letter "й"."""
    return unicodedata.normalize("NFKC", value.strip())


def validate_username(value: str) -> None:
    if len(value) > USERNAME_MAX_LENGTH:
        raise ValidationError(
            gettext_lazy("Не более %(max)d символов (сейчас %(length)d)."),
            code="max_length",
            params={"max": USERNAME_MAX_LENGTH, "length": len(value)},
        )
    # The first character is checked apart from the rest so the message says what to fix.
    if not _FIRST_CHAR_RE.fullmatch(value[:1]):
        raise ValidationError(
            gettext_lazy("Имя пользователя должно начинаться с русской или латинской буквы."),
            code="first_char",
        )
    if not USERNAME_RE.fullmatch(value):
        raise ValidationError(
            gettext_lazy(
                "Допустимы только русские и латинские буквы, цифры, дефис и подчеркивание "
                "(без пробелов)."
            ),
            code="charset",
        )
    # "аdmin" with a Cyrillic "а" looks like "admin": one alphabet per login.
    if len(username_scripts(value)) > 1:
        raise ValidationError(
            gettext_lazy(
                "Имя пользователя должно быть написано буквами одного алфавита: только "
                "русскими или только латинскими."
            ),
            code="mixed_script",
        )


def phone_normalize(value: str) -> str:
    """Parse a phone number as written in Russia and return it in E.164 ("+79123456789").

    "8 (912) 345-67-89", "+7 912 345 67 89", "79123456789" and "9123456789" all give
    "+79123456789". A number with "+" and another country code is accepted if it is
    a valid mobile number there. Raises ValidationError with a Russian message.
    """
    example = gettext_lazy("например, 8 (912) 345-67-89 или +7 912 345-67-89")
    if len(value) > PHONE_INPUT_MAX_LENGTH:
        raise ValidationError(
            gettext_lazy("Слишком длинный номер телефона: %(example)s."),
            code="invalid",
            params={"example": example},
        )
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            gettext_lazy("Введите номер мобильного телефона, %(example)s."),
            code="invalid",
            params={"example": example},
        )
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError(
            gettext_lazy("Это не номер мобильного телефона. Укажите мобильный, %(example)s."),
            code="not_mobile",
            params={"example": example},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(value: str) -> str:
    """ "+79123456789" → "+7 912 345-67-89"; anything unparsable as it is."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

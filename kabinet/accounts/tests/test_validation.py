"""Every registration rule, with valid and invalid examples, in Russian, next to its field."""

import re

import pytest
from captcha.models import CaptchaStore

from kabinet.accounts.forms import LoginLookupForm, NewPasswordForm, RegistrationForm
from kabinet.accounts.models import User

from .helpers import PASSWORD, register, registration_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("captcha_test_mode")]

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def form_errors(**overrides) -> dict[str, list[str]]:
    form = RegistrationForm(registration_data(**overrides))
    form.is_valid()
    return {
        field: [str(message) for message in messages] for field, messages in form.errors.items()
    }


def assert_only_error(field: str, fragment: str, **overrides):
    errors = form_errors(**overrides)
    assert list(errors) == [field], errors
    assert any(fragment in message for message in errors[field]), errors[field]


def test_it_accepts_the_reference_example():
    form = RegistrationForm(registration_data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "+79123456789"


# --- Имя пользователя ------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["ivan", "Иван", "Ёжик_2024", "petrov-ivan", "a", "Ж" * 30, "Mixed_Mix-1"],
)
def test_it_accepts_valid_usernames(username):
    assert form_errors(username=username) == {}


@pytest.mark.parametrize(
    ("username", "fragment"),
    [
        ("Mixed_Смесь-1", "буквами одного алфавита"),
        ("1ivan", "начинаться с русской или латинской буквы"),
        ("_ivan", "начинаться с русской или латинской буквы"),
        ("-ivan", "начинаться с русской или латинской буквы"),
        ("Łukasz", "начинаться с русской или латинской буквы"),
        ("ivan petrov", "Допустимы только"),
        ("ivan@petrov", "Допустимы только"),
        ("ivan.petrov", "Допустимы только"),
        ("iván", "Допустимы только"),
        ("ivan!", "Допустимы только"),
        ("a" * 31, "Не более 30 символов (сейчас 31)"),
        ("", "Придумайте имя пользователя"),
        ("   ", "Придумайте имя пользователя"),
    ],
)
def test_it_refuses_invalid_usernames(username, fragment):
    assert_only_error("username", fragment, username=username)


def test_it_normalises_fullwidth_and_composed_letters_in_usernames():
    # "ｉｖａｎ" (full-width) is "ivan"; "и" + combining breve is the letter "й".
    form = RegistrationForm(registration_data(username="ｉｖａｎ"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["username"] == "ivan"
    form = RegistrationForm(registration_data(username="Андреи\u0306"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["username"] == "Андрей"


@pytest.mark.parametrize(
    "taken, typed", [("Ivanov", "iVANOV"), ("Иванов", "иВАНОВ"), ("Ёлкин", "ёЛКИН")]
)
def test_it_refuses_a_taken_username_in_another_case(taken, typed):
    register(username=taken, email="first@example.com")
    assert_only_error("username", "уже занято", username=typed)


# --- E-mail ------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["ivanov@mail.ru", "i.ivanov+kv154@example.com", "a@b.co"])
def test_it_accepts_valid_emails(email):
    assert form_errors(email=email) == {}


@pytest.mark.parametrize(
    ("email", "fragment"),
    [
        ("ivanov", "Введите адрес электронной почты"),
        ("ivanov@", "Введите адрес электронной почты"),
        ("@mail.ru", "Введите адрес электронной почты"),
        ("iva nov@mail.ru", "Введите адрес электронной почты"),
        ("ivanov@mail", "Введите адрес электронной почты"),
        ("", "Укажите адрес электронной почты"),
        ("a" * 250 + "@mail.ru", "не более 254"),
    ],
)
def test_it_refuses_invalid_emails(email, fragment):
    assert_only_error("email", fragment, email=email)


def test_it_refuses_a_taken_email_in_another_case():
    register(username="first", email="Ivanov@Example.com")
    assert_only_error("email", "уже зарегистрирован", email="IVANOV@example.COM")


def test_it_lowercases_only_the_domain_of_an_email():
    form = RegistrationForm(registration_data(email="Ivan.Ivanov@MAIL.RU"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "Ivan.Ivanov@mail.ru"


def test_it_hides_taken_login_and_email_until_the_captcha_is_solved(settings, monkeypatch):
    import captcha.conf.settings as captcha_settings

    register(username="Ivanov", email="ivanov@example.com")
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    errors = form_errors(captcha_1="wrong")
    assert list(errors) == ["captcha"]


# --- Пароль --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "Зеленая-лампа-на-окне",
        "correct horse battery staple",  # spaces are characters too
        "k7#Lm2$q",  # exactly 8
        "ё" * 4 + "Ж" * 4 + "!" * 2 + "{}[]<>",  # any characters, none from the old list
        "x" * 57 + "Q" * 57 + "-" * 14,  # exactly 128
    ],
)
def test_it_accepts_valid_passwords(password):
    assert form_errors(password1=password, password2=password) == {}


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("k7#Lm2$", "слишком короткий"),  # 7 characters
        ("x" * 60 + "Q" * 60 + "-" * 9, "не более 128"),  # 129 characters
        ("password123", "слишком широко распространён"),
        ("qwertyuiop", "слишком широко распространён"),
        ("4815162342108", "состоит только из цифр"),
        ("Ivanov2024", "похож на"),  # similar to the login "Ivanov"
        ("ivanov@example", "похож на"),  # similar to the e-mail
    ],
)
def test_it_refuses_invalid_passwords(password, fragment):
    errors = form_errors(password1=password, password2=password)
    assert list(errors) == ["password1"], errors
    assert any(fragment in message for message in errors["password1"]), errors


def test_it_refuses_different_passwords_next_to_the_confirmation():
    assert_only_error("password2", "Пароли не совпадают", password2=PASSWORD + "!")


def test_it_requires_both_passwords():
    errors = form_errors(password1="", password2="")
    assert errors == {"password1": ["Придумайте пароль."], "password2": ["Повторите пароль."]}


def test_the_password_help_speaks_to_residents_not_of_the_old_system():
    help_text = str(RegistrationForm().fields["password1"].help_text)
    assert "От 8 до 128 символов" in help_text
    assert "6–16" not in help_text and "старой системы" not in help_text


# --- Мобильный телефон ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 345-67-89", "+79123456789"),
        ("+7(912)3456789", "+79123456789"),
        ("79123456789", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("  8-912-345-67-89  ", "+79123456789"),
        ("+380 50 123 4567", "+380501234567"),  # a foreign mobile, written with "+"
    ],
)
def test_it_accepts_mobile_phones_and_stores_e164(phone, stored):
    form = RegistrationForm(registration_data(phone=phone))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == stored


@pytest.mark.parametrize(
    ("phone", "fragment"),
    [
        ("12345", "Введите номер мобильного телефона"),
        ("телефон", "Введите номер мобильного телефона"),
        ("8 (912) 345-67", "Введите номер мобильного телефона"),
        ("8 (495) 123-45-67", "Это не номер мобильного телефона"),  # Moscow landline
        ("8 800 555-35-35", "Это не номер мобильного телефона"),  # toll-free
        ("8" * 33, "Слишком длинный номер"),
        ("", "Укажите номер мобильного телефона"),
    ],
)
def test_it_refuses_invalid_phones(phone, fragment):
    assert_only_error("phone", fragment, phone=phone)


# --- Код с изображения ----------------------------------------------------------------


def test_it_accepts_the_right_captcha_answer_in_any_case(monkeypatch):
    import captcha.conf.settings as captcha_settings

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    assert form_errors(captcha_0=key, captcha_1=answer.upper()) == {}


def test_it_refuses_a_wrong_captcha_answer_and_the_same_key_twice(monkeypatch):
    import captcha.conf.settings as captcha_settings

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    assert_only_error("captcha", "введен неверно", captcha_0=key, captcha_1=answer + "x")
    # one try per image: the right answer to an image already tried is refused too
    assert_only_error("captcha", "введен неверно", captcha_0=key, captcha_1=answer)


def test_it_refuses_passed_when_test_mode_is_off(monkeypatch):
    import captcha.conf.settings as captcha_settings

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    assert_only_error("captcha", "введен неверно", captcha_0=CaptchaStore.generate_key())


@pytest.mark.parametrize("missing", [{"captcha_1": ""}, {"captcha_0": None, "captcha_1": None}])
def test_it_requires_the_captcha(missing):
    assert_only_error("captcha", "Введите код с изображения", **missing)


# --- Соглашение и согласие ---------------------------------------------------------------


def test_it_requires_the_terms():
    assert_only_error("accept_terms", "Без принятия соглашения", accept_terms=None)


def test_it_requires_the_personal_data_consent_separately():
    assert_only_error("accept_personal_data", "152-ФЗ", accept_personal_data=None)


def test_it_leaves_both_consents_unticked_by_default():
    html = str(RegistrationForm()["accept_terms"]) + str(
        RegistrationForm()["accept_personal_data"]
    )
    assert "checked" not in html


# --- messages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {key: "" for key in registration_data()},
        {"username": "1" * 40, "email": "x", "password1": "1", "password2": "2", "phone": "x"},
        {"username": "\x00", "email": "\x00", "password1": "\x00", "phone": "\x00"},
    ],
)
def test_it_says_every_error_in_russian(overrides):
    errors = form_errors(**overrides)
    assert errors
    for field, messages in errors.items():
        for message in messages:
            assert CYRILLIC.search(message), (field, message)


def test_it_says_lookup_and_new_password_errors_in_russian():
    lookup = LoginLookupForm({"login": "x" * 300})
    assert not lookup.is_valid()
    assert CYRILLIC.search(lookup.errors["login"][0])
    new = NewPasswordForm(User(username="ivanov"), {"password1": "ivanov1", "password2": "other"})
    assert not new.is_valid()
    for messages in new.errors.values():
        assert all(CYRILLIC.search(message) for message in messages)

"""No input to these forms produces a 500: arbitrary text at every field (hypothesis)."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import last_mail_link, register, registration_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("captcha_test_mode")]

# Any text, including control characters, NUL, RTL marks, emoji and very long strings.
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=3000),
    st.sampled_from(
        ["\x00", "PASSED", "8 (912) 345-67-89", "ivanov", "a@b.ru", " ", "%", "İ", "ﬀ"]
    ),
)
FUZZ = settings(
    max_examples=60,
    database=None,  # no .hypothesis/ directory in the working tree
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fields_of(names):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, text))


def assert_no_server_error(response):
    assert response.status_code < 500, response.status_code


REGISTRATION_FIELDS = [*registration_data(), "captcha_refresh"]


@FUZZ
@given(data=fields_of(REGISTRATION_FIELDS))
def test_registration_never_fails(data):
    assert_no_server_error(Client().post(reverse("accounts:register"), data))


@FUZZ
@given(valid=st.sampled_from(sorted(registration_data())), value=text)
def test_registration_survives_one_bad_field_among_good_ones(valid, value):
    assert_no_server_error(
        Client().post(reverse("accounts:register"), registration_data(**{valid: value}))
    )


@FUZZ
@given(data=fields_of(["username", "password", "remember", "next"]))
def test_login_never_fails(data):
    assert_no_server_error(Client().post(reverse("login"), data))


@FUZZ
@given(data=fields_of(["login"]), query=text)
def test_resend_and_recovery_never_fail(data, query):
    client = Client()
    assert_no_server_error(client.post(reverse("accounts:activation_resend"), data))
    assert_no_server_error(client.get(reverse("accounts:activation_resend"), {"login": query}))
    assert_no_server_error(client.post(reverse("accounts:password_reset"), data))


@FUZZ
@given(token=text)
def test_links_never_fail(token):
    client = Client()
    path = quote(token.replace("/", ""), safe="") or "x"
    for link, page in [
        (f"/activate/{path}/", reverse("accounts:activate")),
        (f"/password/reset/{path}/", reverse("accounts:password_reset_set")),
    ]:
        assert_no_server_error(client.get(link))
        assert_no_server_error(client.get(page))
        assert_no_server_error(client.post(page, {"password1": token, "password2": token}))


def test_new_password_form_never_fails(settings):
    settings.ACCOUNT_MAIL_COOLDOWN = 0
    register(username="Ivanov", email="ivanov@example.com")

    @FUZZ
    @given(data=fields_of(["password1", "password2"]))
    def fuzz(data):
        client = Client()  # a fresh link each time: a valid pair spends the link
        client.post(reverse("accounts:password_reset"), {"login": "ivanov"})
        client.get(last_mail_link(r"/password/reset/(?!done)[^/]+/$"))
        response = client.post(reverse("accounts:password_reset_set"), data)
        assert_no_server_error(response)
        assert response.status_code in {200, 302}  # the form, or the password set

    fuzz()

"""No query parameter or form field of any page is a 500 (hypothesis).

The walk covers every URL pattern of the site outside the back office and the gateways'
server-to-server endpoints (those have their own fuzzing in payments/tests/test_fuzz.py):
every page is asked with every query parameter any view reads, filled with hostile
values (numbers out of every integer range, negative, huge, non-ASCII digits, NUL…),
as the owner of the reference account. A new page falls under the walk by itself.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.housing.models import AccountLink

from .helpers import concrete_url, site_routes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("captcha_test_mode")]

# The query parameters the views read (grep request.GET), and a few they do not.
PARAMETERS = [
    "level",
    "parent",
    "month",
    "page",
    "done",
    "mail",
    "amount",
    "payment",
    "MNT_TRANSACTION_ID",
    "next",
    "login",
    "id",
]
NUMBERS = [
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "9" * 400,
    "-1",
    "0",
    "1e400",
    "NaN",
    "Infinity",
    "١٢٣",
    "0x10",
    "99999-12",
    "2014-13",
    "0000-01",
]
hostile = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers().map(str),
    st.text(max_size=30),
    st.sampled_from(["house", "premises", "account", "\x00", "//evil.example", "%"]),
)
FUZZ = settings(
    max_examples=20,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_the_walk_covers_the_resident_pages():
    routes = site_routes()
    assert "cabinet/accounts/add/options/" in routes
    assert "cabinet/<int:account_id>/payments/" in routes
    assert "register/" in routes
    assert len(routes) >= 40


@pytest.mark.parametrize("route", site_routes())
def test_no_query_parameter_is_a_server_error(client, kamal, user, route):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    url = concrete_url(route, kamal)

    @FUZZ
    @given(query=st.fixed_dictionaries({}, optional=dict.fromkeys(PARAMETERS, hostile)))
    def fuzz(query):
        response = client.get(url, query)
        assert response.status_code < 500, (url, query)
        if response.streaming:
            b"".join(response.streaming_content)

    fuzz()


ATTACH_FIELDS = ["organization", "house", "premises", "account", "paid_on", "amount"]


def test_no_attach_form_field_is_a_server_error(client, kamal, user):
    client.force_login(user)
    url = "/cabinet/accounts/add/"
    good = {
        "organization": str(kamal.organization_id),
        "house": str(kamal.premises.house_id),
        "premises": str(kamal.premises_id),
        "account": str(kamal.pk),
        "paid_on": "30.09.2014",
        "amount": "1500,00",
        "captcha_0": "x",
        "captcha_1": "PASSED",
    }

    @FUZZ
    @given(field=st.sampled_from(ATTACH_FIELDS), value=hostile, step=st.booleans())
    def fuzz(field, value, step):
        data = {**good, field: value}
        if step:
            data["step"] = "1"
        response = client.post(url, data)
        assert response.status_code in {200, 302}, (data, response.status_code)

    fuzz()

"""No query string gives the "Начисления" or "Платежи" page a 500 (hypothesis)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

month = st.one_of(
    st.text(max_size=30),
    st.builds(
        "{:04d}-{:02d}".format,
        st.integers(min_value=-10, max_value=99999),
        st.integers(min_value=-1, max_value=100),
    ),
    st.sampled_from(
        ["2014-09", "2014-10", "2014-08", "0000-00", "9999-12", "2014-9", " 2014-09 ", "\x00",
         "9" * 300, "2014-09-01", "2014/09", "١٢٣٤-٠٩", "NaN", "-2014-09"]
    ),
)  # fmt: skip
FUZZ = settings(
    max_examples=80,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(params=st.fixed_dictionaries({}, optional={"period": month, "month": month}))
def test_the_charges_page_never_fails(owner_client, kamal, params):
    response = owner_client.get(reverse("cabinet:charges", args=[kamal.pk]), params, follow=True)
    assert response.status_code == 200
    assert "Начисление за" in response.content.decode()


@FUZZ
@given(params=st.fixed_dictionaries({}, optional={"from": month, "to": month, "page": month}))
def test_the_payments_page_never_fails(owner_client, kamal, params):
    response = owner_client.get(reverse("cabinet:payments", args=[kamal.pk]), params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Движение финансов" in body and "flow-month" in body

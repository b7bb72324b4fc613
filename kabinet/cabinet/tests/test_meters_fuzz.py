"""No input to the readings form or the readings import produces a 500 (hypothesis)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.demo.reference import reference_load
from kabinet.meters.models import ReadingSubmission

pytestmark = pytest.mark.django_db

text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=2000),
    st.sampled_from(["\x00", "334,91", "-1", "1e5", "NaN", "Infinity", "9" * 40, "0x10", "١٢٣"]),
)
FUZZ = settings(
    max_examples=60,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def submit(owner_client, kamal):
    names = ["key", "confirm_by_email"]
    for meter in kamal.premises.meters.all():
        names += [f"m{meter.pk}_z1", f"m{meter.pk}_z1_rollover", f"m{meter.pk}_z1_jump"]
    return owner_client, reverse("cabinet:meters_submit", args=[kamal.pk]), names


@FUZZ
@given(data=st.data())
def test_the_readings_form_never_fails(submit, data):
    client, url, names = submit
    values = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(names, text)))
    assert client.post(url, values).status_code < 500


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=400),
        text.map(lambda t: ("Заводской номер;Месяц;Показание\n" + t).encode()),
    )
)
def test_the_import_never_fails(admin_client, content):
    reference_load()
    upload = SimpleUploadedFile("fuzz.csv", content, content_type="text/csv")
    response = admin_client.post(reverse("admin:meters_reading_import"), {"file": upload})
    assert response.status_code < 500
    if response.streaming:
        b"".join(response.streaming_content)


def test_a_form_without_its_key_is_shown_again_with_a_new_one(submit):
    client, url, names = submit
    field = next(name for name in names if name.endswith("_z1"))
    response = client.post(url, {field: "340,1"})
    assert response.status_code == 200
    assert (
        "Страница устарела: проверьте показания и отправьте их еще раз."
        in response.content.decode()
    )
    assert not ReadingSubmission.objects.exists()

"""The demo pays online through the sandbox; production gets no sandbox."""

import pytest
from django.utils import timezone

from kabinet.demo.city import city_load
from kabinet.demo.payments import payments_demo_load
from kabinet.demo.reference import reference_load
from kabinet.payments.models import GatewaySettings

pytestmark = pytest.mark.django_db


def test_both_demo_companies_pay_through_the_sandbox_once():
    reference_load()
    city_load(today=timezone.localdate())
    assert payments_demo_load() == 2
    assert payments_demo_load() == 0
    kamal = GatewaySettings.objects.get(organization__name="ОАО «Камал»")
    assert (kamal.kind, kamal.account_id, kamal.test_mode, kamal.fiscal_receipts) == (
        "sandbox", "54600817", False, True,
    )  # fmt: skip
    assert kamal.integrity_code() == "QWERTY"
    assert GatewaySettings.objects.filter(kind="sandbox", fiscal_receipts=False).count() == 1


def test_not_in_production(settings):
    reference_load()
    settings.PAYMENTS_SANDBOX = False
    assert payments_demo_load() == 0 and not GatewaySettings.objects.exists()

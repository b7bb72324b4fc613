"""The prepared queries read money as the ORM does on SQLite too, where a decimal column
comes back as a binary float and `core.prepared` converts it by a faster path."""

from decimal import Decimal as D

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Charge
from kabinet.core.prepared import PreparedQuery
from tests.factories import (
    HouseFactory,
    OrganizationFactory,
    PersonalAccountFactory,
    PremisesFactory,
)

from .helpers import NOV, service

pytestmark = pytest.mark.django_db

# Every figure a money column holds (14 digits, 2 places), and volumes and prices of up
# to 17 digits (18, 6: past 10¹¹ Django's own reading on SQLite overflows the field).
money = st.decimals(min_value=D("-999999999999.99"), max_value=D("999999999999.99"), places=2)
precise = st.decimals(
    min_value=D("-99999999999.999999"), max_value=D("99999999999.999999"), places=6
)
COLUMNS = ("amount", "common_amount", "recalculation", "total", "volume", "price")


def lines(charge_id):
    return Charge.objects.filter(pk=charge_id).values_list(*COLUMNS)


@pytest.fixture
def charge():
    from kabinet.billing.models import Tariff
    from kabinet.billing.services import charge_add, period_open

    org = OrganizationFactory()
    upkeep = service(org, "Содержание", "fixed", "100")
    account = PersonalAccountFactory(
        premises=PremisesFactory(house=HouseFactory(organization=org))
    )
    period = period_open(organization_id=org.pk, month=NOV)
    return charge_add(account=account, period=period, service=upkeep,
                      tariff=Tariff.objects.get(service=upkeep), volume=D(1))  # fmt: skip


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(amount=money, common=money, recalculation=money, volume=precise, price=precise)
@example(  # sums and 17-digit volumes, which a double cannot keep
    amount=D("0.10"),
    common=D("0.20"),
    recalculation=D("2.01"),
    volume=D("12345678901.123456"),
    price=D("-98765432109.987654"),
)
def test_money_read_by_a_prepared_query_is_the_orms_to_the_digit(
    charge, amount, common, recalculation, volume, price
):
    if abs(amount + common + recalculation) > D("999999999999.99"):
        return  # beyond what a total can hold
    # Written as stored values, past the ledger's append-only guard (the row is a fixture).
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_charge SET amount = %s, common_amount = %s, recalculation = %s, "
            "volume = %s, price = %s WHERE id = %s",
            [
                *(ops.adapt_decimalfield_value(v, 14, 2) for v in (amount, common, recalculation)),
                *(ops.adapt_decimalfield_value(v, 18, 6) for v in (volume, price)),
                charge.pk,
            ],
        )
    prepared = PreparedQuery(lines)
    read, expected = prepared.rows(charge_id=charge.pk), list(lines(charge.pk))
    # str() tells 1.5 from 1.50: the same value and the same places.
    assert [tuple(map(str, row)) for row in read] == [tuple(map(str, row)) for row in expected]
    assert read[0][3] == amount + common + recalculation  # the generated total, exact
    if connection.vendor == "sqlite":
        assert read[0][:3] == (amount, common, recalculation)

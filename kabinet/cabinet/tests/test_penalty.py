"""The penalty's breakdown page (`cabinet:penalty`), reached from the card's "Пени" line."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.models import Penalty, PenaltyLine
from kabinet.billing.run import billing_run
from kabinet.billing.services import payment_record
from kabinet.billing.tests.helpers import NOV, penalised_account
from kabinet.housing.models import AccountLink

from .test_views import text

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"


@pytest.fixture
def penalised(client, user):
    org, account = penalised_account()
    billing_run(organization_id=org.pk, month=NOV)
    AccountLink.objects.create(user=user, account=account)
    client.force_login(user)
    return account


def url(account, period=None):
    base = reverse("cabinet:penalty", kwargs={"account_id": account.pk})
    return base if period is None else f"{base}?period={period}"


def test_the_card_links_the_penalty_to_its_breakdown(client, penalised):
    body = client.get(reverse("cabinet:card", args=[penalised.pk])).content.decode()
    assert f'href="{url(penalised, "2026-11")}"' in body


def test_the_breakdown_in_plain_russian(client, penalised):
    response = client.get(url(penalised, "2026-11"))
    assert response.status_code == 200
    page = text(response)
    assert "Расчет пеней за ноябрь 2026" in page
    assert "Пени за ноябрь 2026: 21,27\u00a0₽" in page
    # June's upkeep, paid 20.11, at 1/130; June's capital repair in two parts at 1/300;
    # September's unpaid debt from its day 31.
    assert (
        "июнь 2026 15.07.2026 1 000,00 оплачено 20.11.2026 с 01.11.2026 по 20.11.2026 20 1/130 9,5 14,62"
        in page.replace(NNBSP, " ")
    )
    assert "июнь 2026 (взнос на капремонт) 15.07.2026 100,00 оплачено 20.11.2026" in page
    assert "100,00 не оплачено с 01.11.2026 по 30.11.2026 30 1/300 9,5 0,95" in page
    assert (
        "сентябрь 2026 15.10.2026 1 000,00 не оплачено с 15.11.2026 по 30.11.2026 16 1/300 9,5 5,07"
        in page.replace(NNBSP, " ")
    )
    assert "Итого пени 21,27" in page
    assert "Первые 30 дней просрочки пени не начисляются" in page


def test_the_breakdown_agrees_with_the_stored_penalty(client, penalised):
    penalty = Penalty.objects.get(account=penalised)
    lines = PenaltyLine.objects.filter(penalty=penalty)
    assert penalty.amount == D("21.27")
    assert round(sum(line.amount for line in lines), 2) == penalty.amount
    body = client.get(url(penalised)).content.decode()  # no period: the latest
    assert body.count("<tr>") == 1 + lines.count() + 1  # header, lines, total


@pytest.mark.parametrize("period", ["", "2026-13", "abc", "2026-11-05", "0000-01", "9999-12"])
def test_a_bad_period_is_not_an_error(client, penalised, period):
    response = client.get(url(penalised, period))
    assert response.status_code == 200


def test_a_month_without_a_penalty_says_so(client, penalised):
    page = text(client.get(url(penalised, "2026-10")))
    assert "За октябрь 2026 пени не начислены." in page
    assert "ноябрь 2026" in page  # the other month is offered


def test_an_imported_penalty_without_a_breakdown_says_where_it_came_from(owner_client, kamal):
    card = owner_client.get(reverse("cabinet:card", args=[kamal.pk])).content.decode()
    assert f'href="{url(kamal, "2014-10")}"' in card
    page = text(owner_client.get(url(kamal, "2014-10")))
    assert "Пени за октябрь 2014: 11,53\u00a0₽" in page
    assert "перенесены из прежней системы" in page


def test_an_account_never_penalised(client, user):
    from tests.factories import PersonalAccountFactory

    account = PersonalAccountFactory()
    AccountLink.objects.create(user=user, account=account)
    client.force_login(user)
    assert "Пени по лицевому счету не начислялись." in text(client.get(url(account)))


def test_the_page_runs_a_fixed_number_of_queries(client, penalised):
    client.get(url(penalised, "2026-11"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(penalised, "2026-11"))
    # another month's penalty with its breakdown, and a longer list of months
    payment_record(account=penalised, paid_on=datetime.date(2026, 12, 20), amount=D("-5"),
                   source="cash")  # fmt: skip
    org_id = penalised.organization_id
    billing_run(organization_id=org_id, month=datetime.date(2026, 12, 1))
    assert PenaltyLine.objects.filter(period__month=datetime.date(2026, 12, 1)).count() == 3
    with CaptureQueriesContext(connection) as more:
        client.get(url(penalised, "2026-12"))
    assert len(few) == len(more)

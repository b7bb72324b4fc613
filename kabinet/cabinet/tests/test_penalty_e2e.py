"""In Chromium: the card's "Пени" line opens the penalty's breakdown (docs/penalties.md)."""

import pytest
from playwright.sync_api import Page, expect

from kabinet.billing.run import billing_run
from kabinet.billing.tests.helpers import NOV, penalised_account
from kabinet.housing.models import AccountLink
from tests.factories import UserFactory

from .test_e2e import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NNBSP = "\u202f"


def test_the_card_opens_the_penalty_breakdown(page: Page, live_server):
    org, account = penalised_account()
    billing_run(organization_id=org.pk, month=NOV)
    resident = UserFactory(username="debtor")
    AccountLink.objects.create(user=resident, account=account)
    log_in(page, live_server, resident, next_url=f"/cabinet/{account.pk}/")

    penalty_row = page.locator("table.charges tr.penalty")
    expect(penalty_row).to_contain_text("21,27")
    with page.expect_navigation():
        penalty_row.get_by_role("link", name="Пени").click()
    assert page.url.endswith(f"/cabinet/{account.pk}/penalty/?period=2026-11")

    expect(page.get_by_role("heading", name="Расчет пеней за ноябрь 2026")).to_be_visible()
    rows = page.locator("table.penalty-lines tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("июнь 2026")
    expect(rows.nth(0)).to_contain_text("с 01.11.2026 по 20.11.2026")
    expect(rows.nth(0)).to_contain_text("1/130")
    expect(rows.nth(0)).to_contain_text("14,62")
    expect(rows.nth(1)).to_contain_text("взнос на капремонт")
    expect(rows.nth(3)).to_contain_text("сентябрь 2026")
    expect(rows.nth(3)).to_contain_text("не оплачено")
    expect(rows.nth(3)).to_contain_text("1/300")
    expect(page.locator("table.penalty-lines tfoot")).to_contain_text("21,27")

    # Back to the month's charges.
    page.get_by_role("link", name="К начислениям").click()
    expect(page.get_by_role("heading", name="Начисления", exact=True)).to_be_visible()
    assert page.url.endswith(f"/cabinet/{account.pk}/charges/?period=2026-11")

"""The payment document prints the penalty's breakdown under its total (docs/penalties.md)."""

import pytest

from kabinet.billing.models import BillingPeriod, ContractDueDay
from kabinet.billing.run import billing_run
from kabinet.billing.tests.helpers import NOV, penalised_account
from kabinet.receipts.selectors import receipt_data
from kabinet.receipts.services import receipt_document

from .helpers import pdf_words

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"


@pytest.fixture
def penalised():
    org, account = penalised_account()
    billing_run(organization_id=org.pk, month=NOV)
    return account, BillingPeriod.objects.get(organization=org, month=NOV)


def test_the_document_data_holds_the_breakdown(penalised):
    account, period = penalised
    penalty = receipt_data(account=account, period=period)["charges"]["penalty"]
    assert penalty["total"] == "21.27"
    assert [line["amount"] for line in penalty["lines"]] == ["14.62", "0.63", "0.95", "5.07"]
    assert penalty["lines"][0]["label"] == (
        f"долг за июнь 2026, 1{NNBSP}000,00 ₽: 01.11.2026–20.11.2026, 20 дн. × 1/130 × 9,5 %"
    )
    assert penalty["lines"][1]["label"].startswith("долг за июнь 2026 (капремонт), 100,00 ₽")


def test_the_pdf_prints_the_breakdown_under_the_total(penalised):
    account, period = penalised
    text = pdf_words(receipt_document(account=account, period=period).pdf())
    assert "долг за сентябрь 2026" in text and "1/300" in text
    assert text.index("Пени") < text.index("долг за июнь 2026")


def test_the_document_is_due_on_the_organizations_contract_day(penalised):
    account, period = penalised
    assert receipt_data(account=account, period=period)["due"] == "2026-12-15"
    ContractDueDay.objects.create(organization_id=account.organization_id, valid_from=NOV, day=5)
    assert receipt_data(account=account, period=period)["due"] == "2026-12-05"

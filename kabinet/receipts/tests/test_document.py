"""The payment document: its figures, its QR code read back from the rendered page, its
number, and what hostile names cannot do (docs/receipts.md)."""

import datetime
from decimal import Decimal as D

import pytest

from kabinet.billing.models import BillingPeriod, HouseResourceVolume, Service
from kabinet.billing.run import billing_run, period_close
from kabinet.billing.selectors import account_balance, account_period_charges
from kabinet.billing.services import payment_record, recalculation_add
from kabinet.billing.tests.helpers import NOV, OCT, reading, service
from kabinet.core.money import format_money
from kabinet.core.periods import month_end
from kabinet.demo.reference import reference_load
from kabinet.housing.models import House, Organization, PersonalAccount
from kabinet.receipts import render
from kabinet.receipts.models import Receipt
from kabinet.receipts.selectors import payment_due, receipt_data
from kabinet.receipts.services import receipt_document, receipt_issue
from tests.factories import (
    HouseFactory,
    MeterFactory,
    OrganizationFactory,
    PersonalAccountFactory,
    PremisesFactory,
)

from .helpers import pdf_pages, pdf_qr, pdf_text, pdf_words

pytestmark = pytest.mark.django_db
OCT_2014 = datetime.date(2014, 10, 1)


@pytest.fixture
def kamal():
    return reference_load()


def _period(account, month) -> BillingPeriod:
    return BillingPeriod.objects.get(organization_id=account.organization_id, month=month)


def _money(value) -> str:
    return format_money(D(value)).replace("\u202f", " ")


# --- the reference account (Fig. 5) ---------------------------------------------------------


def test_the_qr_code_read_from_the_page_is_the_exact_gost_string(kamal):
    document = receipt_document(account=kamal, period=_period(kamal, OCT_2014))
    assert pdf_qr(document.pdf()) == [
        "ST00012|Name=ОАО «Камал»|PersonalAcc=40702810000000000001|BankName=ПАО Сбербанк|"
        "BIC=049205603|CorrespAcc=30101810600000000603|PayeeINN=1655012345|KPP=165501001|"
        "Sum=558937|Purpose=Оплата ЖКУ за 10.2014, л/с 1234567|PersAcc=1234567|"
        "PaymPeriod=102014|PayerAddress=420066, г. Казань, ул. Гражданская, д. 1, кв. 154|"
        "TechCode=02"
    ]


def test_the_figures_are_the_cards_to_the_kopeck(kamal):
    document = receipt_document(account=kamal, period=_period(kamal, OCT_2014))
    content = document.pdf()
    assert pdf_pages(content) == 1
    text = pdf_text(content)
    table = account_period_charges(account_id=kamal.pk, month=OCT_2014)
    for line in table.rows:  # each service's line as the card prints it, in one text line
        assert (
            f"{line.service} {line.unit} " in text
            and f" {_money(line.charged)} — {_money(line.total)}" in text
        ), line.service
    assert f"Пени {_money(table.penalty)} — {_money(table.penalty)}" in text
    assert f"Итого за период {_money(table.amount)} — {_money(table.total)}" in text
    # Debt at the start: August and September (6 309,19) less both payments (3 914,85).
    assert f"Задолженность на начало периода {_money('2394.34')}" in text
    assert f"Оплачено в периоде {_money('0')}" in text
    assert f"Начислено за период {_money('3195.03')}" in text
    assert f"Итого к оплате, руб. {_money('5589.37')}" in text  # the card's "Долг"
    assert account_balance(account_id=kamal.pk) == D("5589.37")
    assert "Оплатить до 10.11.2014." in text


def test_the_sections_of_order_43_pr_come_in_order(kamal):
    text = pdf_text(receipt_document(account=kamal, period=_period(kamal, OCT_2014)).pdf())
    headings = [
        "ПЛАТЕЖНЫЙ ДОКУМЕНТ",
        "1. Сведения о плательщике и исполнителе услуг",
        "Муравьев Сергей *****вич",  # masked as on the card
        "ИНН / КПП: 1655012345 / 165501001",
        "2. Информация для внесения платы",
        "Расчетный счет: 40702810000000000001",
        "3. Расчет размера платы",
        "4. Справочная информация",
        "Холодная вода № ХВ-0154-11 322,97 334,91 11,94 по показаниям",
        "5. Перерасчеты",
    ]
    positions = [text.find(heading) for heading in headings]
    assert -1 not in positions, [h for h, p in zip(headings, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "Петрович" not in text


def test_the_payments_of_the_month_are_shown_with_the_last_date(kamal):
    september = receipt_data(account=kamal, period=_period(kamal, datetime.date(2014, 9, 1)))
    assert september["balance"]["payments"] == [{"date": "2014-09-30", "amount": "1500.00"}]
    text = pdf_words(
        receipt_document(account=kamal, period=_period(kamal, datetime.date(2014, 9, 1))).pdf()
    )
    assert f"Оплачено в периоде (последний платеж 30.09.2014) {_money('1500')}" in text


@pytest.mark.parametrize(
    ("month", "due"),
    [(OCT_2014, datetime.date(2014, 11, 10)), (datetime.date(2026, 2, 1), datetime.date(2026, 3, 10)),
     (datetime.date(2026, 3, 1), datetime.date(2026, 4, 15)), (datetime.date(2026, 12, 1), datetime.date(2027, 1, 15))],
)  # fmt: skip
def test_payment_is_due_on_the_10th_then_from_the_march_2026_bill_on_the_15th(month, due):
    assert payment_due(month) == due


# --- issued once, numbered, frozen ------------------------------------------------------------


@pytest.fixture
def charged_october():
    """One organization, one metered flat and a house meter, October run and closed,
    November open."""
    org = OrganizationFactory(inn="7700000016")
    water = service(org, "Холодная вода", Service.Method.BY_METER, "30.00", resource="cold_water",
                    norm=D("5"), common=True, common_norm=D("0.03"))  # fmt: skip
    Service.objects.filter(pk=water.pk).update(unit="м³")
    service(org, "Содержание", Service.Method.BY_AREA, "22.73")
    house = HouseFactory(organization=org, common_area=D("150"))
    premises = PremisesFactory(house=house, area=D("50"), residents_registered=2)
    account = PersonalAccountFactory(premises=premises)
    PremisesFactory(house=house, area=D("50"))
    meter = MeterFactory(premises=premises, resource="cold_water")
    reading(meter, datetime.date(2026, 9, 1), "100")
    reading(meter, OCT, "107.5")
    HouseResourceVolume.objects.create(
        house=house, month=OCT, resource="cold_water", volume=D("20")
    )
    billing_run(organization_id=org.pk, month=OCT)
    period_close(period=_period(account, OCT))
    return account, water


def test_a_closed_month_is_issued_once_with_the_next_number(charged_october):
    account, _water = charged_october
    october = _period(account, OCT)
    first = receipt_document(account=account, period=october)
    again = receipt_document(account=account, period=october)
    assert (first.number, again.number) == (1, 1)
    assert Receipt.objects.filter(account=account).count() == 1
    other = PersonalAccountFactory(premises=PremisesFactory(house=account.premises.house))
    assert receipt_issue(account=other, period=october).number == 2
    # Another organization numbers its own documents from 1.
    kamal = reference_load()
    assert receipt_issue(account=kamal, period=_period(kamal, OCT_2014)).number == 1


def test_the_meter_section_and_the_house_data_come_from_the_run(charged_october):
    account, _water = charged_october
    text = pdf_words(receipt_document(account=account, period=_period(account, OCT)).pdf())
    serial = account.premises.meters.get().serial_number
    assert f"Холодная вода № {serial} 100,00 107,50 7,50 по показаниям" in text
    assert "Площадь общего имущества, кв. м 150,00" in text
    assert "Холодная вода: объем по общедомовому прибору 20,00" in text
    # The common-property share: (20 − 7,5) × 50 / 100 = 6,25 m³, capped at 0,03 × 150 ×
    # 50 / 100 = 2,25 m³; × 30,00 = 67,50 ₽ beside the flat's own 7,5 × 30 = 225,00.
    assert f"Холодная вода м³ 7,50 2,25 30,00 {_money('292.50')}" in text


def test_an_issued_document_keeps_its_figures_after_a_later_recalculation(charged_october):
    account, water = charged_october
    october = _period(account, OCT)
    issued = receipt_document(account=account, period=october)
    printed = pdf_text(issued.pdf())
    total = issued.data["charges"]["total"]

    # A mistake found in October is corrected: the recalculation lands in November.
    recalculation_add(account=account, service=water, concerns_month=OCT, amount=D("-45.00"),
                      reason="Перерыв подачи воды 12.10–14.10 (акт № 7)")  # fmt: skip
    payment_record(account=account, paid_on=datetime.date(2026, 10, 20), amount=D("100"),
                   source="cash")  # a late bank register with an October date  # fmt: skip
    billing_run(organization_id=account.organization_id, month=NOV)

    again = receipt_document(account=account, period=october)
    assert again.number == issued.number and again.data == issued.data
    assert pdf_text(again.pdf()) == printed
    assert again.data["charges"]["total"] == total

    november = receipt_document(account=account, period=_period(account, NOV))
    assert november.is_draft and not Receipt.objects.filter(period__month=NOV).exists()
    text = pdf_words(november.pdf())
    assert "ПРОЕКТ" in text
    assert (
        f"Холодная вода 10.2026 Перерыв подачи воды 12.10–14.10 (акт № 7) {_money('-45')}" in text
    )
    assert f"Итого за период {_money('1504')} {_money('-45')} {_money('1459')}" in text
    # November's start debt counts October's late payment: what the October document
    # could not know.
    assert november.data["balance"]["start"] == str(D(total) - D("100"))

    period_close(period=_period(account, NOV))
    issued_november = receipt_document(account=account, period=_period(account, NOV))
    assert issued_november.number == 2 and not issued_november.is_draft
    assert "ПРОЕКТ" not in pdf_text(issued_november.pdf())


def test_an_open_month_prints_a_draft_and_stores_nothing(charged_october):
    account, _water = charged_october
    billing_run(organization_id=account.organization_id, month=NOV)
    with pytest.raises(Exception, match="не закрыт"):
        receipt_issue(account=account, period=_period(account, NOV))
    document = receipt_document(account=account, period=_period(account, NOV))
    assert document.number is None
    text = pdf_text(document.pdf())
    assert "ПРОЕКТ: период не закрыт" in text and "Платежный документ №" not in text
    assert Receipt.objects.count() == 0


def test_without_bank_details_there_is_no_qr_code_and_the_page_says_why(charged_october):
    account, _water = charged_october
    Organization.objects.filter(pk=account.organization_id).update(bic="")
    account.organization.refresh_from_db()
    content = receipt_document(account=account, period=_period(account, OCT)).pdf()
    assert pdf_qr(content) == []
    assert "Банковские реквизиты организации не заполнены" in pdf_text(content)


# --- hostile names and addresses --------------------------------------------------------------

HOSTILE_NAME = (
    '*Иванов* #image("https://evil.example/x.png") $x^2$ ] [ '
    '#read("/etc/passwd") \\ <b>Петр</b> | #pagebreak() ' + "Щ" * 120
)


def _render(account, month) -> bytes:
    """The document as it would be issued now (an issued one would keep its old data)."""
    data = receipt_data(account=account, period=_period(account, month))
    return render.pdf(data, number=1, issued_on=datetime.date(2014, 11, 1))


def test_markup_typst_and_separators_in_names_print_as_text_and_change_nothing(kamal):
    baseline = pdf_text(_render(kamal, OCT_2014))
    PersonalAccount.objects.filter(pk=kamal.pk).update(holder_name=HOSTILE_NAME)
    House.objects.filter(pk=kamal.premises.house_id).update(
        street='ул. #set page(width: 1cm) | "Гражданская" <script>', number="1|2"
    )
    Organization.objects.filter(pk=kamal.organization_id).update(
        name='ОАО «Камал» | #pagebreak() #image("/etc/passwd")'
    )
    account = PersonalAccount.objects.select_related("organization", "premises__house").get(
        pk=kamal.pk
    )
    content = _render(account, OCT_2014)
    assert pdf_pages(content) == 1
    text = pdf_words(content)
    assert '*Иванов* #image("https://evil.example/x.png") *****ЩЩЩ' in text  # masked as usual
    assert 'ул. #set page(width: 1cm) | "Гражданская" <script>, д. 1|2' in text
    assert 'ОАО «Камал» | #pagebreak() #image("/etc/passwd")' in text
    assert "root:" not in text
    # The layout is the same: every line of the calculation is where it was.
    section = baseline.split("3. Расчет")[1].split("4. Справочная")[0]
    assert section in pdf_text(content)
    [code] = pdf_qr(content)
    fields = dict(part.split("=", 1) for part in code.split("|")[1:])
    assert fields["Name"] == 'ОАО «Камал» #pagebreak() #image("/etc/passwd")'
    assert fields["PayerAddress"] == (
        '420066, г. Казань, ул. #set page(width: 1cm) "Гражданская" <script>, д. 1 2, кв. 154'
    )
    assert code.count("|") == 13


def test_a_name_without_spaces_wraps_instead_of_running_off_the_page(kamal):
    PersonalAccount.objects.filter(pk=kamal.pk).update(holder_name="Я" * 255)
    account = PersonalAccount.objects.select_related("organization", "premises__house").get(
        pk=kamal.pk
    )
    content = receipt_document(account=account, period=_period(account, OCT_2014)).pdf()
    assert pdf_pages(content) == 1
    assert "Я" * 255 in pdf_words(content).replace(" ", "")


def test_the_balances_are_account_balance_at_the_months_edges(charged_october):
    account, _water = charged_october
    payment_record(
        account=account, paid_on=datetime.date(2026, 9, 30), amount=D("10"), source="cash"
    )
    payment_record(
        account=account, paid_on=datetime.date(2026, 10, 1), amount=D("20"), source="cash"
    )
    payment_record(
        account=account, paid_on=datetime.date(2026, 10, 31), amount=D("40"), source="cash"
    )
    payment_record(
        account=account, paid_on=datetime.date(2026, 11, 1), amount=D("80"), source="cash"
    )
    billing_run(organization_id=account.organization_id, month=NOV)
    for month in (OCT, NOV):
        balance = receipt_data(account=account, period=_period(account, month))["balance"]
        before = month - datetime.timedelta(days=1)
        assert D(balance["start"]) == account_balance(account_id=account.pk, as_of=before)
        assert D(balance["to_pay"]) == account_balance(
            account_id=account.pk, as_of=month_end(month)
        )
    october = receipt_data(account=account, period=_period(account, OCT))["balance"]
    assert october["paid"] == "60.00" and len(october["payments"]) == 2

"""Online payment on the resident's pages: "Оплатить", the amount, the way to the gateway,
and the pages the gateway sends the payer back to (no JavaScript needed)."""

import html
import re
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.csp import CSP

from kabinet.billing.models import Payment
from kabinet.payments.models import GatewayKind, OnlinePayment
from kabinet.payments.sandbox import signing
from kabinet.payments.tests.helpers import gateway, notification, online_payment, pay_url, query
from tests.factories import PersonalAccountFactory

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"


def text(response) -> str:
    """The page's words, entities decoded, runs of white space (no-break too) as one space."""
    words = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", words.replace(NNBSP, " "))


@pytest.fixture
def moneta(kamal):
    return gateway(kamal.organization, fiscal_receipts=True)


def pay_page(account) -> str:
    return reverse("cabinet:pay", args=[account.pk])


def form_action(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part for part in policy.split("; ") if part.startswith("form-action"))


def test_oplatit_is_next_to_the_debt_once_the_organization_takes_payments(owner_client, kamal):
    card = reverse("cabinet:card", args=[kamal.pk])
    assert "Оплатить" not in text(owner_client.get(card))
    config = gateway(kamal.organization)
    page = owner_client.get(card).content.decode()
    assert re.search(
        r'class="to-pay-sum balance-debt">5\u202f589,37&nbsp;₽</p>.*'
        rf'<a class="button" href="{pay_page(kamal)}">Оплатить</a>',
        page,
        flags=re.S,
    )
    payments = owner_client.get(reverse("cabinet:payments", args=[kamal.pk])).content.decode()
    assert re.search(
        r'class="balance balance-debt">Долг: 5\u202f589,37&nbsp;₽</p>\s*'
        rf'<a class="button" href="{pay_page(kamal)}">Оплатить</a>',
        payments,
    )
    config.enabled = False
    config.save()
    assert "Оплатить" not in text(owner_client.get(card))


def test_the_sandbox_is_not_offered_in_production(owner_client, kamal, settings):
    gateway(kamal.organization, kind=GatewayKind.SANDBOX)
    settings.PAYMENTS_SANDBOX = False
    assert "Оплатить" not in text(owner_client.get(reverse("cabinet:card", args=[kamal.pk])))
    response = owner_client.post(pay_page(kamal), {"amount": "100"})
    assert "пока не принимает оплату онлайн" in text(response)
    assert not OnlinePayment.objects.exists()


def test_without_a_gateway_the_page_says_how_else_to_pay(owner_client, kamal):
    page = text(owner_client.get(pay_page(kamal)))
    assert "ОАО «Камал» пока не принимает оплату онлайн через Кабинет" in page


def test_the_form_offers_the_debt_and_the_residents_email(owner_client, user, kamal, moneta):
    response = owner_client.get(pay_page(kamal))
    form = response.context["form"]
    assert form["amount"].value() == f"5{NNBSP}589,37"
    assert form["contact"].value() == user.email
    page = response.content.decode()
    assert "Сумма к оплате, ₽" in page and "E-mail или телефон для чека" in page
    for card_field in ("card", "cvc", "cvv", "expir"):  # never on Kabinet's own pages
        assert not re.search(rf'name="[^"]*{card_field}', page, flags=re.I)


def test_without_fiscal_receipts_no_contact_is_asked(owner_client, kamal):
    gateway(kamal.organization, fiscal_receipts=False)
    assert "contact" not in owner_client.get(pay_page(kamal)).context["form"].fields


def test_an_overpaid_account_gets_an_empty_amount(owner_client, kamal, moneta):
    Payment.objects.create(account=kamal, paid_on="2014-10-25", amount=D("6000"), source="cash")
    assert owner_client.get(pay_page(kamal)).context["form"]["amount"].value() == ""


def test_paying_records_a_pending_payment_and_sends_the_payer_to_moneta(
    owner_client, user, kamal, moneta
):
    response = owner_client.post(
        pay_page(kamal), {"amount": "1 500,50", "contact": "8 912 345-67-89"}
    )
    assert response.status_code == 302
    payment = OnlinePayment.objects.get()
    assert (payment.amount, payment.status, payment.user) == (D("1500.50"), "created", user)
    assert payment.receipt_contact == "+79123456789"
    assert response.url.startswith("https://moneta.ru/assistant.htm?")
    fields = query(response.url)
    assert fields["MNT_ID"] == "54600817" and fields["MNT_AMOUNT"] == "1500.50"
    assert fields["MNT_TRANSACTION_ID"] == payment.transaction_id
    success = reverse("cabinet:pay_success", args=[kamal.pk])
    assert (
        fields["MNT_SUCCESS_URL"]
        == f"http://127.0.0.1:8000{success}?payment={payment.transaction_id}"
    )
    assert signing.signed_correctly("request", fields, "QWERTY")
    assert not Payment.objects.filter(source="online").exists()  # nothing credited yet


def test_the_pay_page_may_send_its_form_on_to_the_gateway(owner_client, kamal, moneta):
    get = owner_client.get(pay_page(kamal))
    assert form_action(get) == (
        f"form-action {CSP.SELF} https://moneta.ru https://*.moneta.ru https://*.payanyway.ru"
    )
    assert (
        "form-action 'self';"
        in owner_client.get(reverse("cabinet:card", args=[kamal.pk])).headers[
            "Content-Security-Policy"
        ]
        + ";"
    )


@pytest.mark.parametrize(
    "amount, message",
    [
        ("", "Укажите сумму платежа."),
        ("0", "Сумма должна быть больше нуля."),
        ("0,00", "Сумма должна быть больше нуля."),
        ("-5", "Введите сумму цифрами"),
        ("abc", "Введите сумму цифрами"),
        ("1,234", "Введите сумму цифрами"),
        ("100 000,01", f"Не больше 100{NNBSP}000,00 ₽ за один платеж."),
        ("9" * 40, "Введите сумму цифрами"),
    ],
)
def test_a_wrong_amount_is_explained_next_to_the_field(
    owner_client, kamal, moneta, amount, message
):
    response = owner_client.post(pay_page(kamal), {"amount": amount})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["amount"])
    assert not OnlinePayment.objects.exists()


@pytest.mark.parametrize(
    "amount, expected",
    [("1 500,50", "1500.50"), ("1500.5", "1500.50"), ("0,01", "0.01"), ("100000", "100000.00")],
)
def test_amounts_are_read_the_russian_way(owner_client, kamal, moneta, amount, expected):
    assert owner_client.post(pay_page(kamal), {"amount": amount}).status_code == 302
    assert OnlinePayment.objects.get().amount == D(expected)


def test_a_bad_receipt_contact_is_explained(owner_client, kamal, moneta):
    response = owner_client.post(pay_page(kamal), {"amount": "10", "contact": "12345"})
    assert "Введите e-mail" in str(response.context["form"].errors["contact"])


def test_the_maximum_is_the_organizations(owner_client, kamal, moneta):
    moneta.max_amount = D("5000")
    moneta.save()
    response = owner_client.post(pay_page(kamal), {"amount": "5 589,37"})
    assert f"Не больше 5{NNBSP}000,00 ₽" in str(response.context["form"].errors["amount"])


# --- back from the gateway -------------------------------------------------------------------


def result(client, account, outcome, payment=None):
    url = reverse(f"cabinet:pay_{outcome}", args=[account.pk])
    return client.get(url, {"payment": payment.transaction_id} if payment else {})


def test_the_success_page_waits_for_the_notification_then_says_credited(
    owner_client, kamal, moneta
):
    payment = online_payment(kamal, amount="1500.50")
    waiting = result(owner_client, kamal, "success", payment)
    assert "Платеж подтверждается" in text(waiting) and "1 500,50 ₽" in text(waiting)
    assert '<meta http-equiv="refresh" content="5">' in waiting.content.decode()
    Client().post(pay_url(), notification(payment))
    done = result(owner_client, kamal, "success", payment)
    assert "Платеж зачислен" in text(done)
    assert "http-equiv" not in done.content.decode()


def test_the_success_redirect_alone_credits_nothing(owner_client, kamal, moneta):
    payment = online_payment(kamal)
    for _ in range(3):
        result(owner_client, kamal, "success", payment)
    payment.refresh_from_db()
    assert payment.status == "created" and not Payment.objects.filter(source="online").exists()


def test_the_failure_page_marks_a_pending_payment_failed_but_never_a_credited_one(
    owner_client, kamal, moneta
):
    payment = online_payment(kamal)
    page = text(result(owner_client, kamal, "fail", payment))
    assert "Платеж не прошел" in page and "Оплатить снова" in page
    payment.refresh_from_db()
    assert payment.status == "failed"
    Client().post(pay_url(), notification(payment))  # the money came after all
    assert "Платеж зачислен" in text(result(owner_client, kamal, "fail", payment))
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_a_test_mode_payment_says_it_is_not_credited(owner_client, kamal):
    gateway(kamal.organization, test_mode=True)
    assert "деньги с карты не списываются" in text(owner_client.get(pay_page(kamal)))
    payment = online_payment(kamal)
    Client().post(pay_url(), notification(payment))
    page = text(result(owner_client, kamal, "success", payment))
    assert "Тестовый платеж прошел" in page and "не зачисляется" in page
    assert not Payment.objects.filter(source="online").exists()


def test_in_progress_and_return(owner_client, kamal, moneta):
    payment = online_payment(kamal)
    assert "Оплата не завершена" in text(result(owner_client, kamal, "return", payment))
    page = result(owner_client, kamal, "in_progress", payment)
    assert "Платеж обрабатывается" in text(page) and "http-equiv" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == "in_progress"


def test_without_a_payment_named_the_latest_is_shown(owner_client, kamal, moneta):
    assert "Онлайн-платежей по лицевому счету еще не было" in text(
        result(owner_client, kamal, "success")
    )
    online_payment(kamal, amount="10.00")
    assert "10,00" in text(result(owner_client, kamal, "success"))


def test_a_payment_of_another_account_is_not_found(owner_client, user, kamal, moneta):
    other = PersonalAccountFactory(organization=kamal.organization, premises=kamal.premises)
    foreign = online_payment(other)
    assert result(owner_client, kamal, "success", foreign).status_code == 404
    assert result(owner_client, kamal, "fail", foreign).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "created"


def test_the_payments_page_lists_payments_waiting_for_confirmation(owner_client, kamal, moneta):
    online_payment(kamal, amount="700.00")
    page = text(owner_client.get(reverse("cabinet:payments", args=[kamal.pk])))
    assert "Ждут подтверждения платежной системы" in page and "700,00" in page


@pytest.mark.parametrize("name", ["pay", "pay_success", "payments"])
def test_the_pages_run_a_fixed_number_of_queries(
    owner_client, kamal, moneta, name, django_assert_max_num_queries
):
    for amount in ("1", "2", "3", "4"):
        online_payment(kamal, amount=amount)
    url = reverse(f"cabinet:{name}", args=[kamal.pk])
    owner_client.get(url)
    with django_assert_max_num_queries(9):
        assert owner_client.get(url).status_code == 200


def test_the_card_still_runs_in_one_query_for_the_accounts(
    owner_client, kamal, moneta, django_assert_num_queries
):
    url = reverse("cabinet:card", args=[kamal.pk])
    owner_client.get(url)
    # session, user, the accounts (with balances and the gateway), the charges, the
    # contract due days, the footer
    with django_assert_num_queries(6):
        owner_client.get(url)

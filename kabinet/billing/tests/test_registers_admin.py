"""The back office's registers: upload → check → post, by the staff who may."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.billing.models import Payment, Register, RegisterLine
from kabinet.billing.selectors import account_balance
from kabinet.demo.staff import staff_users_load

from .register_helpers import SAMPLES, load, organization_with_accounts

pytestmark = pytest.mark.django_db

UPLOAD = reverse("admin:billing_register_add")


@pytest.fixture
def company():
    return organization_with_accounts()


@pytest.fixture
def operator(client):
    staff_users_load()
    client.force_login(User.objects.get(username="operator"))
    return client


def upload(client, organization, name="sber-2014-09-30.txt", fmt="sber", content=None):
    content = (SAMPLES / name).read_bytes() if content is None else content
    return client.post(
        UPLOAD,
        {"organization": organization.pk, "register_format": fmt,
         "file": SimpleUploadedFile(name, content)},
    )  # fmt: skip


def test_staff_check_a_register_and_nothing_is_posted_until_they_confirm(operator, company):
    organization, accounts = company
    response = upload(operator, organization)

    register = Register.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:billing_register_change", args=[register.pk])
    assert register.status == Register.Status.DRAFT
    assert register.loaded_by.username == "operator"
    assert Payment.objects.count() == 0

    page = operator.get(response.url).content.decode()
    assert "Проверен, не проведен." in page
    assert "Провести: 4 платежей на 5\u202f465,35 ₽" in page
    assert "Лицевой счет «9999999» не найден в организации." in page
    assert "СЕМЁНОВА-ТЯН-ШАНСКАЯ АННА ПЁТРОВНА" in page
    assert page.count("к зачислению") >= 4

    response = operator.post(reverse("admin:billing_register_confirm", args=[register.pk]))
    assert response.status_code == 302
    register.refresh_from_db()
    assert register.status == Register.Status.IMPORTED
    assert Payment.objects.count() == 4
    assert account_balance(account_id=accounts["1003"].pk) == D("-1250.50")
    page = operator.get(response.url).content.decode()
    assert "Реестр проведен: зачислено 4 на 5\u202f465,35 ₽, повторов 1, ошибок 5." in page
    assert "Провести" not in page


def test_confirming_twice_posts_once(operator, company):
    organization, _accounts = company
    upload(operator, organization)
    register = Register.objects.get()
    confirm = reverse("admin:billing_register_confirm", args=[register.pk])
    operator.post(confirm)
    response = operator.post(confirm, follow=True)
    assert "Этот реестр уже проведен." in response.content.decode()
    assert Payment.objects.count() == 4


def test_a_rejected_file_is_reported_next_to_the_file_field(operator, company):
    organization, _accounts = company
    response = upload(operator, organization, name="sber-control-mismatch.txt")

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == [
        "Итоговая строка 11 не сходится со строками: сумма платежей 7\u202f265,36, а по "
        "строкам 7\u202f265,35. Файл не загружен."
    ]
    assert 'id="id_file_error"' in response.content.decode()
    assert Register.objects.count() == 0 and Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "Отправленный файл пуст."), (b"\x00\x01binary", "двоичные данные")],
)
def test_bad_files_get_a_message_not_an_error_page(operator, company, content, message):
    organization, _accounts = company
    response = upload(operator, organization, content=content)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])


def test_a_file_loaded_before_is_recognised(operator, company):
    organization, _accounts = company
    first = load("sber-2014-09-30.txt", "sber", organization).register
    upload(operator, organization)
    draft = Register.objects.exclude(pk=first.pk).get()
    page = operator.get(reverse("admin:billing_register_change", args=[draft.pk]))
    text = page.content.decode()
    assert f"Этот файл уже загружался: реестр № {first.pk}" in text
    assert (draft.imported_count, draft.duplicate_count) == (0, 5)


def test_the_lines_can_be_filtered_by_outcome_and_paged(operator, company, monkeypatch):
    from kabinet.billing.registers import admin as registers_admin

    monkeypatch.setattr(registers_admin, "LINES_PER_PAGE", 3)
    organization, _accounts = company
    register = load("sber-2014-09-30.txt", "sber", organization).register
    url = reverse("admin:billing_register_change", args=[register.pk])

    errors = operator.get(url, {"outcome": "error"})
    assert [line.number for line in errors.context["page"].object_list] == [4, 5, 6]
    second = operator.get(url, {"outcome": "error", "page": 2})
    assert [line.number for line in second.context["page"].object_list] == [7, 8]
    everything = operator.get(url, {"outcome": "nonsense"})
    assert everything.context["page"].paginator.count == 10


def test_a_draft_can_be_discarded(operator, company):
    organization, _accounts = company
    upload(operator, organization)
    register = Register.objects.get()
    response = operator.post(reverse("admin:billing_register_discard", args=[register.pk]))
    assert response.status_code == 302
    assert Register.objects.count() == 0 and RegisterLine.objects.count() == 0


def test_post_only_for_posting_and_discarding(operator, company):
    organization, _accounts = company
    upload(operator, organization)
    register = Register.objects.get()
    for name in ("confirm", "discard"):
        url = reverse(f"admin:billing_register_{name}", args=[register.pk])
        assert operator.get(url).status_code == 405
    assert Register.objects.get().status == Register.Status.DRAFT


def test_the_original_file_can_be_downloaded(operator, company):
    organization, _accounts = company
    register = load("sber-2014-09-30.txt", "sber", organization).register
    response = operator.get(reverse("admin:billing_register_file", args=[register.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (SAMPLES / "sber-2014-09-30.txt").read_bytes()
    assert 'filename="sber-2014-09-30.txt"' in response["Content-Disposition"]


def test_a_payment_shows_its_register_line(operator, company):
    organization, _accounts = company
    register = load("sber-2014-09-30.txt", "sber", organization).register
    payment = register.lines.get(number=2).payment
    page = operator.get(reverse("admin:billing_payment_change", args=[payment.pk]))
    assert f"реестр № {register.pk}, строка 2" in page.content.decode()


def test_staff_who_may_only_view_cannot_load_or_post(client, company):
    organization, _accounts = company
    register = load("sber-2014-09-30.txt", "sber", organization, dry_run=False).register
    viewer = User.objects.create_user(username="viewer", email="v@example.com", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_register"),
    )
    client.force_login(viewer)
    assert (
        client.get(reverse("admin:billing_register_change", args=[register.pk])).status_code == 200
    )
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, organization).status_code == 403
    draft_url = reverse("admin:billing_register_discard", args=[register.pk])
    assert client.post(draft_url).status_code == 403
    assert Register.objects.count() == 1


def test_strangers_to_the_back_office_are_sent_to_log_in(client, company):
    organization, _accounts = company
    register = load("sber-2014-09-30.txt", "sber", organization).register
    for url in (UPLOAD, reverse("admin:billing_register_change", args=[register.pk]),
                reverse("admin:billing_register_file", args=[register.pk])):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_register_format_is_configured_with_distinct_columns(operator):
    response = operator.post(
        reverse("admin:billing_registerformat_add"),
        {"name": "Почта", "bank": "Почта России", "encoding": "auto", "delimiter": ";",
         "header_lines": 1, "footer_lines": 0, "date_column": 1, "date_format": "%d.%m.%Y",
         "account_column": 2, "amount_column": 2, "payment_id_column": 3,
         "decimal_mark": ",", "thousands_spaces": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["amount_column"] == [
        "Колонка 2 уже выбрана для поля «колонка лицевого счета»."
    ]

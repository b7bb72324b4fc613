"""Bank payment registers: every outcome of every format on sample files written for the
tests (kabinet/billing/tests/registers/), exactly once across loads, control lines.

Expected figures are worked out by hand from the files (the comments say how).
"""

import datetime
import hashlib
import io
import zipfile
from decimal import Decimal as D

import pytest
from django.core.files.storage import default_storage

from kabinet.billing.models import Payment, Register, RegisterFormat, RegisterLine
from kabinet.billing.registers import services
from kabinet.billing.registers.formats import format_get
from kabinet.billing.registers.reading import RegisterRejected
from kabinet.billing.registers.services import register_confirm, register_preview
from kabinet.billing.selectors import account_balance, last_payment_matches

from .register_helpers import SAMPLES, load, organization_with_accounts, outcomes

pytestmark = pytest.mark.django_db

IMPORTED, DUPLICATE, ERROR = RegisterLine.Outcome.values
SEPT_30 = datetime.date(2014, 9, 30)


@pytest.fixture
def company():
    return organization_with_accounts()


def _stored_files() -> list[str]:
    folders, files = default_storage.listdir("") if default_storage.exists("") else ([], [])
    found = list(files)
    stack = list(folders)
    while stack:
        folder = stack.pop()
        sub_folders, sub_files = default_storage.listdir(folder)
        found += [f"{folder}/{name}" for name in sub_files]
        stack += [f"{folder}/{name}" for name in sub_folders]
    return found


class TestSberbank:
    """sber-2014-09-30.txt: ten payment lines and the control line."""

    def test_every_line_gets_its_outcome_and_the_good_ones_are_posted(self, company):
        organization, accounts = company
        summary = load("sber-2014-09-30.txt", "sber", organization)

        register = summary.register
        assert outcomes(register) == {
            1: (IMPORTED, ""),
            2: (IMPORTED, ""),
            3: (IMPORTED, ""),
            4: (ERROR, "Лицевой счет «9999999» не найден в организации."),
            5: (ERROR, "Даты «31-09-2014» не существует."),
            6: (ERROR, "Не указана сумма."),
            7: (ERROR, "Сумма «12,3,4» не распознана."),
            8: (ERROR, "Неверное число полей: 7, а нужно не меньше 12."),
            9: (DUPLICATE, "Повтор строки 1 этого реестра."),
            10: (IMPORTED, ""),  # operation 4521 again, but of branch 8611: another payment
        }
        # 1500,00 + 2414.85 + 1 250,50 + 300,00
        assert (summary.imported, summary.imported_sum) == (4, D("5465.35"))
        assert (summary.duplicates, summary.duplicate_sum) == (1, D("1500.00"))
        assert [line for line, _reason in summary.errors] == [4, 5, 6, 7, 8]
        assert (register.error_count, register.error_sum) == (5, D("300.00"))  # 100 + 200

        posted = Payment.objects.order_by("amount")
        assert [(p.account.number, p.paid_on, p.amount, p.source) for p in posted] == [
            ("1004", SEPT_30, D("300.00"), "bank"),
            ("1003", SEPT_30, D("1250.50"), "bank"),
            ("1001", SEPT_30, D("1500.00"), "bank"),
            ("1002", SEPT_30, D("2414.85"), "bank"),
        ]
        assert account_balance(account_id=accounts["1001"].pk) == D("-1500.00")
        assert last_payment_matches(account=accounts["1002"], paid_on=SEPT_30, amount=D("2414.85"))

    def test_the_register_keeps_what_the_file_said(self, company):
        organization, _accounts = company
        register = load("sber-2014-09-30.txt", "sber", organization).register
        content = (SAMPLES / "sber-2014-09-30.txt").read_bytes()

        assert register.status == Register.Status.IMPORTED and register.imported_at
        assert (register.bank, register.kind, register.file_name) == (
            "ПАО Сбербанк", "sber", "sber-2014-09-30.txt"
        )  # fmt: skip
        assert register.file_hash == hashlib.sha256(content).hexdigest()
        assert register.file.read() == content  # the original is kept
        assert (register.payment_order_number, register.payment_order_date) == (
            "123456", SEPT_30
        )  # fmt: skip
        assert (register.control_count, register.control_sum) == (10, D("7265.35"))
        assert (register.control_transferred, register.control_fee) == (D("7204.70"), D("72.65"))
        assert register.lines_count == 10

    def test_each_payment_links_to_its_line_as_written(self, company):
        organization, _accounts = company
        load("sber-2014-09-30.txt", "sber", organization)
        by_line = {line.number: line for line in RegisterLine.objects.all()}

        second = by_line[2]  # Ё and hyphens, decimal point
        assert second.payer == "СЕМЁНОВА-ТЯН-ШАНСКАЯ АННА ПЁТРОВНА"
        assert second.payment.register_line == second
        assert second.payment.external_id == "sber:2014-09-30:8610:4522"
        third = by_line[3]  # empty address, "1 250,50", period ММГГГГ
        assert (third.address, third.amount, third.period) == (
            "", D("1250.50"), datetime.date(2014, 9, 1)
        )  # fmt: skip
        tenth = by_line[10]  # extended variant: meter blocks, the address quoted with ";"
        assert tenth.address == "г. Казань; ул. Баумана, д. 5, кв. 4"
        assert tenth.amount == D("300.00")
        assert by_line[9].duplicate_of == by_line[1].payment
        assert by_line[8].text.startswith("30-09-2014;13-30-00;8610")
        assert by_line[4].payment is None and by_line[4].account is None

    def test_loading_the_same_file_again_posts_nothing(self, company):
        organization, accounts = company
        first = load("sber-2014-09-30.txt", "sber", organization).register
        again = load("sber-2014-09-30.txt", "sber", organization)

        assert (again.imported, again.imported_sum, again.duplicates) == (0, D("0.00"), 5)
        assert Payment.objects.count() == 4
        assert account_balance(account_id=accounts["1001"].pk) == D("-1500.00")
        reason = f"Уже проведен по реестру № {first.pk}, строка 1."
        assert outcomes(again.register)[1] == (DUPLICATE, reason)
        assert outcomes(again.register)[9] == (DUPLICATE, reason)

    def test_a_zipped_register_is_the_same_register(self, company, tmp_path):
        organization, _accounts = company
        content = (SAMPLES / "sber-2014-09-30.txt").read_bytes()
        archive = tmp_path / "reestr.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("reestr.txt", content)
        plain = load("sber-2014-09-30.txt", "sber", organization).register
        zipped = load(archive, "sber", organization)

        assert zipped.register.file_hash == plain.file_hash  # recognised as the same file
        assert (zipped.imported, zipped.duplicates, len(zipped.errors)) == (0, 5, 5)

    def test_a_control_line_that_disagrees_rejects_the_whole_file(self, company):
        organization, _accounts = company
        with pytest.raises(RegisterRejected) as rejected:
            load("sber-control-mismatch.txt", "sber", organization)

        assert rejected.value.line == 11
        assert rejected.value.message == (
            "Итоговая строка 11 не сходится со строками: сумма платежей 7\u202f265,36, "
            "а по строкам 7\u202f265,35. Файл не загружен."
        )
        assert Payment.objects.count() == 0
        assert Register.objects.count() == 0 and RegisterLine.objects.count() == 0
        assert _stored_files() == []

    def test_a_count_that_disagrees_is_named(self, company, tmp_path):
        organization, _accounts = company
        text = (SAMPLES / "sber-2014-09-30.txt").read_bytes().replace(b"=10;", b"=11;")
        (tmp_path / "r.txt").write_bytes(text)
        with pytest.raises(RegisterRejected, match="платежей 11, а в файле 10"):
            load(tmp_path / "r.txt", "sber", organization)
        assert Payment.objects.count() == 0

    def test_a_file_without_its_control_line_is_refused(self, company, tmp_path):
        organization, _accounts = company
        lines = (SAMPLES / "sber-2014-09-30.txt").read_bytes().splitlines(keepends=True)
        (tmp_path / "cut.txt").write_bytes(b"".join(lines[:5]))
        with pytest.raises(RegisterRejected, match="нет итоговой строки"):
            load(tmp_path / "cut.txt", "sber", organization)
        assert Payment.objects.count() == 0

    def test_lines_after_the_control_line_refuse_the_file(self, company, tmp_path):
        organization, _accounts = company
        text = (SAMPLES / "sber-2014-09-30.txt").read_bytes()
        (tmp_path / "r.txt").write_bytes(text + text.splitlines(keepends=True)[0])
        with pytest.raises(RegisterRejected, match="После итоговой строки"):
            load(tmp_path / "r.txt", "sber", organization)
        assert Payment.objects.count() == 0

    def test_a_register_in_utf8_is_read_as_well(self, company, tmp_path):
        organization, _accounts = company
        text = (SAMPLES / "sber-2014-09-30.txt").read_bytes().decode("cp1251")
        (tmp_path / "utf8.txt").write_bytes(text.encode("utf-8"))
        summary = load(tmp_path / "utf8.txt", "sber", organization)
        assert summary.imported == 4
        line = summary.register.lines.get(number=2)
        assert line.payer == "СЕМЁНОВА-ТЯН-ШАНСКАЯ АННА ПЁТРОВНА"

    def test_accounts_are_looked_up_in_the_organization_only(self, company):
        _organization, _accounts = company
        other, _other_accounts = organization_with_accounts()  # the same numbers
        summary = load("sber-2014-09-30.txt", "sber", other)
        assert summary.imported == 4
        assert {p.account.organization_id for p in Payment.objects.all()} == {other.pk}


class TestVtb:
    """vtb-2014-09-30.txt: blocks ending with "!", sums with RUB, the control row."""

    def test_every_line_gets_its_outcome(self, company):
        organization, accounts = company
        summary = load("vtb-2014-09-30.txt", "vtb", organization)

        assert outcomes(summary.register) == {
            1: (IMPORTED, ""),
            2: (IMPORTED, ""),
            3: (IMPORTED, ""),  # operation 55502 again, of another cashier
            4: (ERROR, "Даты «31-09-2014» не существует."),
        }
        assert (summary.imported, summary.imported_sum) == (3, D("4541.56"))  # 1500+2414.85+626.71
        assert summary.register.bank == "Банк ВТБ (ПАО)"
        assert set(Payment.objects.values_list("external_id", flat=True)) == {
            "vtb:2014-09-30:1234:01:55501",
            "vtb:2014-09-30:1234:01:55502",
            "vtb:2014-09-30:1234:02:55502",
        }
        assert account_balance(account_id=accounts["1003"].pk) == D("-626.71")

    def test_loading_it_again_gives_only_duplicates(self, company):
        organization, _accounts = company
        load("vtb-2014-09-30.txt", "vtb", organization)
        again = load("vtb-2014-09-30.txt", "vtb", organization)
        assert (again.imported, again.duplicates) == (0, 3)

    def test_a_control_row_that_disagrees_rejects_the_file(self, company, tmp_path):
        organization, _accounts = company
        text = (SAMPLES / "vtb-2014-09-30.txt").read_bytes().replace(b"46.42RUB", b"46.43RUB")
        (tmp_path / "vtb.txt").write_bytes(text)
        with pytest.raises(RegisterRejected, match="комиссия 46,43, а по строкам 46,42"):
            load(tmp_path / "vtb.txt", "vtb", organization)
        assert Payment.objects.count() == 0


class TestCsv:
    def test_columns_found_by_their_names_and_every_outcome(self, company):
        organization, _accounts = company
        summary = load("payments-utf8.csv", "csv", organization)

        # Line 1 is a title, line 2 the header, line 11 the totals row: skipped.
        assert outcomes(summary.register) == {
            3: (IMPORTED, ""),
            4: (IMPORTED, ""),
            5: (IMPORTED, "Период «13.2014» не распознан."),  # posted, with the remark
            6: (ERROR, "Даты «29.02.2014» не существует."),
            7: (ERROR, "Лицевой счет «7777» не найден в организации."),
            8: (ERROR, "Не указана сумма."),
            9: (ERROR, "Неверное число полей: 5, а нужно 7."),
            10: (DUPLICATE, "Повтор строки 3 этого реестра."),
        }
        assert (summary.imported, summary.imported_sum) == (3, D("4164.85"))  # 1500+2414.85+250
        first = summary.register.lines.get(number=3)
        assert first.payer == "Ёлкина-Палкина Алёна Сергеевна"
        assert first.address == "г. Казань; ул. Гражданская, д. 1, кв. 1"  # quoted ";"
        assert first.period == datetime.date(2014, 9, 1)
        assert summary.register.lines.get(number=4).address == ""
        assert first.payment.external_id == f"csv:{organization.inn}:2014-09-30:A-101:1001:1500.00"

    def test_comma_separated_windows_1251_with_quoted_sums(self, company):
        organization, accounts = company
        summary = load("payments-cp1251-comma.csv", "csv", organization)
        assert outcomes(summary.register) == {2: (IMPORTED, ""), 3: (IMPORTED, "")}
        assert summary.imported_sum == D("3664.85")  # "1 250,00" + "2414,85"
        assert summary.register.lines.get(number=3).payer == "Пётр Семёнов"
        assert account_balance(account_id=accounts["1001"].pk) == D("-1250.00")

    def test_a_file_without_a_header_is_refused(self, company, tmp_path):
        organization, _accounts = company
        (tmp_path / "no-header.csv").write_text("30.09.2014;1001;A-1;100,00\n")
        with pytest.raises(RegisterRejected, match="Не найдена строка заголовка"):
            load(tmp_path / "no-header.csv", "csv", organization)

    def test_a_header_without_payment_numbers_is_refused(self, company, tmp_path):
        organization, _accounts = company
        (tmp_path / "no-id.csv").write_text("Дата;Лицевой счет;Сумма\n30.09.2014;1001;100,00\n")
        with pytest.raises(RegisterRejected, match="нет колонки «Номер платежа»"):
            load(tmp_path / "no-id.csv", "csv", organization)
        assert Payment.objects.count() == 0


class TestConfiguredFormat:
    @pytest.fixture
    def akbars(self):
        return RegisterFormat.objects.create(
            name="АК БАРС", bank='ПАО "АК БАРС" БАНК', encoding="cp1251", delimiter="|",
            header_lines=2, footer_lines=1, date_column=2, payment_id_column=3,
            account_column=4, payer_column=5, amount_column=6, decimal_mark=",",
        )  # fmt: skip

    def test_the_columns_and_lines_of_the_format(self, company, akbars):
        organization, _accounts = company
        summary = load("akbars-2014-10-01.txt", f"fmt{akbars.pk}", organization)

        # Two header lines, the "Всего" row recognised, the last line skipped by the format.
        assert outcomes(summary.register) == {
            3: (IMPORTED, ""),
            4: (IMPORTED, ""),
            5: (ERROR, "Сумма «200.50» не распознана: десятичный разделитель — запятая."),
        }
        assert summary.imported_sum == D("1700.50")
        assert summary.register.bank == 'ПАО "АК БАРС" БАНК'
        assert summary.register.register_format == akbars
        assert summary.register.lines.get(number=4).payer == "Семёнова-Тян-Шанская Анна"

    def test_a_tab_separated_format_with_points_and_no_header(self, company, tmp_path):
        organization, _accounts = company
        tabs = RegisterFormat.objects.create(
            name="Почта", bank="Почта России", delimiter="tab", header_lines=0,
            date_column=1, date_format="%Y-%m-%d", account_column=2, amount_column=3,
            payment_id_column=4, period_column=5, decimal_mark=".", thousands_spaces=False,
        )  # fmt: skip
        (tmp_path / "post.txt").write_text(
            "2014-09-30\t1001\t99.90\tP-1\t09.2014\n2014-09-30\t1002\t1 000.00\tP-2\t\n"
        )
        summary = load(tmp_path / "post.txt", f"fmt{tabs.pk}", organization)
        assert outcomes(summary.register) == {
            1: (IMPORTED, ""),
            2: (ERROR, "Сумма «1 000.00» не распознана."),  # no thousands spaces here
        }
        assert summary.register.lines.get(number=1).period == datetime.date(2014, 9, 1)

    def test_a_format_is_found_by_its_name_in_any_case(self, akbars):
        assert format_get("ак барс").register_format == akbars
        assert format_get("no such format") is None

    def test_a_file_in_another_encoding_than_the_format_says_is_refused(
        self, company, akbars, tmp_path
    ):
        organization, _accounts = company
        akbars.encoding = "utf-8"
        akbars.save()
        with pytest.raises(RegisterRejected, match="не читается в кодировке utf-8"):
            load("akbars-2014-10-01.txt", f"fmt{akbars.pk}", organization)
        assert Payment.objects.count() == 0

    def test_a_point_format_reads_points_and_refuses_commas(self, company, akbars, tmp_path):
        organization, _accounts = company
        akbars.decimal_mark = "."
        akbars.save()
        summary = load("akbars-2014-10-01.txt", f"fmt{akbars.pk}", organization)
        assert summary.imported_sum == D("200.50")
        assert outcomes(summary.register)[3] == (
            ERROR, "Сумма «1 500,00» не распознана."
        )  # fmt: skip


class TestCheckThenPost:
    def _preview(self, organization, name="sber-2014-09-30.txt", fmt="sber", user=None):
        with (SAMPLES / name).open("rb") as file:
            return register_preview(
                file=file, file_name=name, size=(SAMPLES / name).stat().st_size,
                fmt=format_get(fmt), organization=organization, user=user,
            )  # fmt: skip

    def test_a_check_posts_nothing_and_shows_what_posting_would_do(self, company):
        organization, _accounts = company
        draft = self._preview(organization)

        assert draft.status == Register.Status.DRAFT and draft.imported_at is None
        assert Payment.objects.count() == 0
        assert (draft.imported_count, draft.imported_sum) == (4, D("5465.35"))
        assert outcomes(draft)[9] == (DUPLICATE, "Повтор строки 1 этого реестра.")
        assert draft.file.read() == (SAMPLES / "sber-2014-09-30.txt").read_bytes()

    def test_posting_a_checked_register_posts_it_once(self, company):
        organization, accounts = company
        draft = self._preview(organization)
        posted = register_confirm(register=draft, user=None)

        assert posted.status == Register.Status.IMPORTED
        assert posted.pk == draft.pk and posted.lines.count() == 10
        assert Payment.objects.count() == 4
        with pytest.raises(RegisterRejected, match="уже проведен"):
            register_confirm(register=draft, user=None)
        assert Payment.objects.count() == 4
        assert account_balance(account_id=accounts["1002"].pk) == D("-2414.85")

    def test_posting_checks_again_what_changed_since_the_check(self, company):
        organization, _accounts = company
        draft = self._preview(organization)
        load("sber-2014-09-30.txt", "sber", organization)  # posted meanwhile from the command line
        posted = register_confirm(register=draft, user=None)

        assert (posted.imported_count, posted.duplicate_count) == (0, 5)
        assert Payment.objects.count() == 4

    def test_a_file_changed_after_the_check_is_not_posted(self, company):
        organization, _accounts = company
        draft = self._preview(organization)
        with default_storage.open(draft.file.name, "wb") as stored:
            stored.write((SAMPLES / "vtb-2014-09-30.txt").read_bytes())
        draft.kind = "vtb"
        draft.save()
        with pytest.raises(RegisterRejected, match="изменился после проверки"):
            register_confirm(register=draft, user=None)
        assert Payment.objects.count() == 0

    def test_a_rejected_check_keeps_nothing(self, company):
        organization, _accounts = company
        with pytest.raises(RegisterRejected):
            self._preview(organization, name="sber-control-mismatch.txt")
        assert Register.objects.count() == 0 and _stored_files() == []

    def test_discarding_a_draft_removes_it_and_its_file(self, company):
        organization, _accounts = company
        draft = self._preview(organization)
        services.register_discard(register=draft, user=None)
        assert Register.objects.count() == 0 and RegisterLine.objects.count() == 0
        assert _stored_files() == []

    def test_a_posted_register_is_not_discarded(self, company):
        organization, _accounts = company
        posted = load("sber-2014-09-30.txt", "sber", organization).register
        with pytest.raises(RegisterRejected):
            services.register_discard(register=posted, user=None)
        assert Register.objects.filter(pk=posted.pk).exists()

    def test_a_dry_run_keeps_nothing(self, company):
        organization, _accounts = company
        summary = load("sber-2014-09-30.txt", "sber", organization, dry_run=True)
        assert (summary.imported, summary.duplicates, len(summary.errors)) == (4, 1, 5)
        assert Register.objects.count() == 0 and Payment.objects.count() == 0
        assert _stored_files() == []


def test_a_payment_posted_meanwhile_by_another_way_becomes_a_duplicate(company, monkeypatch):
    """The unique constraint is the last word: if a payment with a line's identity is
    posted between the check of a batch and its insert, that line is a duplicate and the
    rest of the batch is posted."""
    organization, accounts = company
    early = Payment.objects.create(
        account=accounts["1002"], paid_on=SEPT_30, amount=D("2414.85"), source="bank",
        external_id="sber:2014-09-30:8610:4522",
    )  # fmt: skip
    real_posted = services._LineWriter._posted
    calls = []

    def blind_first_time(self, identities):
        calls.append(1)
        return {} if len(calls) == 1 else real_posted(self, identities)

    monkeypatch.setattr(services._LineWriter, "_posted", blind_first_time)
    summary = load("sber-2014-09-30.txt", "sber", organization)

    assert outcomes(summary.register)[2] == (DUPLICATE, "Уже проведен 30.09.2014.")
    assert summary.register.lines.get(number=2).duplicate_of == early
    assert summary.imported == 3
    assert Payment.objects.count() == 4
    assert account_balance(account_id=accounts["1002"].pk) == D("-2414.85")


def test_lines_are_posted_in_batches_with_a_fixed_number_of_queries(
    company, tmp_path, monkeypatch, django_assert_max_num_queries
):
    organization, accounts = company
    monkeypatch.setattr(services, "BATCH", 10)
    lines = [
        f"30-09-2014;10-00-00;8610;1;{n};{1001 + n % 4};ИВАНОВ;г. Казань;0914;10,00;10,00;0,00"
        for n in range(100)
    ]
    body = "\r\n".join([*lines, "=100;1000,00;1000,00;0,00;1;30-09-2014", ""])
    (tmp_path / "big.txt").write_bytes(body.encode("cp1251"))
    # 100 lines in 10 batches of 4 queries (+2 savepoint statements) and a few per register.
    with django_assert_max_num_queries(10 * 6 + 15):
        summary = load(tmp_path / "big.txt", "sber", organization)
    assert (summary.imported, summary.imported_sum) == (100, D("1000.00"))
    assert account_balance(account_id=accounts["1001"].pk) == D("-250.00")


def test_in_file_duplicates_are_found_across_batches_in_a_check_too(company, monkeypatch):
    organization, _accounts = company
    monkeypatch.setattr(services, "BATCH", 2)  # line 9 repeats line 1, batches apart
    checked = load("sber-2014-09-30.txt", "sber", organization, dry_run=True)
    posted = load("sber-2014-09-30.txt", "sber", organization)
    assert checked.duplicates == posted.duplicates == 1
    assert outcomes(posted.register)[9] == (DUPLICATE, "Повтор строки 1 этого реестра.")


def test_the_staff_group_may_load_registers_but_not_edit_them():
    from kabinet.demo.staff import staff_group

    rights = set(staff_group().permissions.values_list("codename", flat=True))
    assert {"add_register", "view_register", "view_registerline"} <= rights
    assert {"add_registerformat", "change_registerformat"} <= rights
    assert not {"change_register", "delete_register", "change_registerline"} & rights


def test_registers_of_a_zip_with_two_files_or_an_excel_table_are_refused(company, tmp_path):
    organization, _accounts = company
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as zipped:
        zipped.writestr("a.txt", "x")
        zipped.writestr("b.txt", "y")
    (tmp_path / "two.zip").write_bytes(two.getvalue())
    with pytest.raises(RegisterRejected, match="один файл реестра, а в нем файлов: 2"):
        load(tmp_path / "two.zip", "sber", organization)
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as zipped:
        zipped.writestr("[Content_Types].xml", "<Types/>")
        zipped.writestr("xl/workbook.xml", "<workbook/>")
    (tmp_path / "t.xlsx").write_bytes(xlsx.getvalue())
    with pytest.raises(RegisterRejected, match="таблица Excel"):
        load(tmp_path / "t.xlsx", "csv", organization)

"""The meters back office: meters per premises, installing and replacing, entering readings
by hand, the month's list with filters, CSV export and import with a per-line report."""

import datetime
import re
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse

from kabinet.billing.models import BillingPeriod
from kabinet.demo.reference import reference_load
from kabinet.demo.staff import DEMO_LOGINS, staff_users_load
from kabinet.meters.models import Meter, Reading, ReadingSubmission
from tests.factories import MeterFactory

from .helpers import counting, msk

pytestmark = pytest.mark.django_db
NOV, OCT = datetime.date(2014, 11, 1), datetime.date(2014, 10, 1)


@pytest.fixture
def kamal():
    account = reference_load()
    # November 2014 is where the tests work; the demo closed August-October.
    return account


@pytest.fixture
def operator_client(client, kamal):
    """The demo operator: staff of the management company, not a superuser."""
    staff_users_load()
    login, password, _role = next(entry for entry in DEMO_LOGINS if entry[0] == "operator")
    assert client.login(username=login, password=password)
    return client


@pytest.fixture
def november():
    with time_machine.travel(msk(2014, 11, 20), tick=False):
        yield


def water(kamal) -> Meter:
    return kamal.premises.meters.get(resource="cold_water")


def page_text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def result_list(response) -> str:
    """The changelist's table only (messages of an earlier request stay out)."""
    table = re.search(r'<table id="result_list".*?</table>', response.content.decode(), flags=re.S)
    return page_text_from(table.group(0)) if table else ""


def enter(client, meter, value, **extra):
    data = {"meter": meter.pk, "period": "11.2014", "zone": 1, "kind": "regular",
            "value": value, "key": extra.pop("key", "k1"), **extra}  # fmt: skip
    return client.post(reverse("admin:meters_reading_add"), data)


# --- entering a reading by hand ----------------------------------------------------------------


def test_staff_enter_a_reading_marked_as_theirs(operator_client, kamal, november):
    response = enter(operator_client, water(kamal), "340,5")
    assert response.status_code == 302
    reading = counting(water(kamal), NOV)
    assert (reading.value, reading.source) == (D("340.5"), "staff")
    submission = ReadingSubmission.objects.get()
    assert (submission.channel, submission.user.username) == ("admin", "operator")
    listing = operator_client.get(response.url)
    assert 'class="staff-entry">внесено сотрудником</strong>' in listing.content.decode()
    assert "внесено 340,500" in page_text(listing)


def test_a_refused_entry_shows_the_rule_next_to_the_value(operator_client, kamal, november):
    response = enter(operator_client, water(kamal), "330")
    assert response.status_code == 200
    assert "Показание не может быть меньше предыдущего: 334,910 за октябрь 2014." in page_text(
        response
    )
    response = enter(operator_client, water(kamal), "335,5", period="10.2014")
    assert "Месяц октябрь 2014 закрыт" in page_text(response)
    response = enter(operator_client, water(kamal), "340,1234")
    assert "Слишком много знаков после запятой" in page_text(response)
    assert not Reading.objects.filter(period=NOV).exists()


def test_the_same_admin_form_twice_enters_once(operator_client, kamal, november):
    enter(operator_client, water(kamal), "340,5", key="same")
    enter(operator_client, water(kamal), "340,5", key="same")
    assert ReadingSubmission.objects.count() == 1


def test_a_reading_page_offers_its_correction(operator_client, kamal):
    reading = counting(water(kamal), OCT)
    page = operator_client.get(reverse("admin:meters_reading_change", args=[reading.pk]))
    assert f"?meter={reading.meter_id}&amp;period=10.2014&amp;zone=1&amp;kind=regular" in (
        page.content.decode()
    )
    form = operator_client.get(
        reverse("admin:meters_reading_add") + f"?meter={reading.meter_id}&period=10.2014"
    )
    assert 'value="10.2014"' in form.content.decode()


# --- the list of readings ----------------------------------------------------------------------


def test_readings_are_filtered_by_month_and_source(operator_client, kamal, november):
    enter(operator_client, water(kamal), "340,5")
    url = reverse("admin:meters_reading_changelist")
    october = result_list(operator_client.get(url, {"month": "2014-10"}))
    assert "334,910" in october and "340,500" not in october
    staff = result_list(operator_client.get(url, {"source": "staff"}))
    assert "340,500" in staff and "334,910" not in staff
    found = result_list(operator_client.get(url, {"q": "1234567", "month": "2014-11"}))
    assert "340,500" in found and "334,910" not in found


# --- meters: per premises, install, replace ------------------------------------------------


def test_the_premises_page_lists_its_meters_and_installs_one(operator_client, kamal, november):
    premises_url = reverse("admin:housing_premises_change", args=[kamal.premises_id])
    page = operator_client.get(premises_url)
    assert "ХВ-0154-11" in page_text(page) and "Установить счетчик" in page_text(page)
    install = reverse("admin:meters_meter_install") + f"?premises={kamal.premises_id}"
    response = operator_client.post(
        install,
        {"premises_id": kamal.premises_id, "resource": "gas", "serial_number": "Г-1",
         "installed_on": "05.11.2014", "tariff_zones": 1, "capacity_digits": 5,
         "decimal_places": 3, "initial_1": "0,012", "key": "i1"},
    )  # fmt: skip
    assert response.status_code == 302
    meter = Meter.objects.get(serial_number="Г-1")
    assert counting(meter, NOV, kind="initial").value == D("0.012")


def test_install_refuses_bad_input_on_the_form(operator_client, kamal, november):
    install = reverse("admin:meters_meter_install") + f"?premises={kamal.premises_id}"
    response = operator_client.post(
        install,
        {"premises_id": kamal.premises_id, "resource": "gas", "serial_number": "Г-1",
         "installed_on": "05.11.2014", "tariff_zones": 2, "capacity_digits": 5,
         "decimal_places": 0, "initial_1": "1", "initial_2": "2", "key": "i1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Несколько тарифных зон бывает только у электросчетчика." in page_text(response)
    assert not Meter.objects.filter(serial_number="Г-1").exists()


def test_replace_meter_is_an_action_and_a_page(operator_client, kamal, november):
    changelist = reverse("admin:meters_meter_changelist")
    response = operator_client.post(
        changelist, {"action": "replace_meter", "_selected_action": [water(kamal).pk]}
    )
    assert response.url == reverse("admin:meters_meter_replace", args=[water(kamal).pk])
    page = operator_client.get(response.url)
    assert "334.910" in page_text(page) or "334,910" in page_text(page)
    response = operator_client.post(
        response.url,
        {"removed_on": "12.11.2014", "final_1": "337,4", "serial_number": "ХВ-0154-21",
         "installed_on": "12.11.2014", "tariff_zones": 1, "capacity_digits": 5,
         "decimal_places": 3, "next_verification_on": "12.11.2020", "initial_1": "0",
         "key": "r1"},
    )  # fmt: skip
    assert response.status_code == 302
    old = water(kamal) if False else Meter.objects.get(serial_number="ХВ-0154-11")
    new = Meter.objects.get(serial_number="ХВ-0154-21")
    assert old.removed_on == datetime.date(2014, 11, 12)
    assert counting(old, NOV, kind="final").value == D("337.4")
    assert counting(new, NOV, kind="initial").value == D("0")


def test_a_replacement_below_the_previous_reading_changes_nothing(
    operator_client, kamal, november
):
    meter = water(kamal)
    response = operator_client.post(
        reverse("admin:meters_meter_replace", args=[meter.pk]),
        {"removed_on": "12.11.2014", "final_1": "300", "serial_number": "ХВ-0154-21",
         "installed_on": "12.11.2014", "tariff_zones": 1, "capacity_digits": 5,
         "decimal_places": 3, "initial_1": "0", "key": "r1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "не может быть меньше предыдущего" in page_text(response)
    meter.refresh_from_db()
    assert meter.removed_on is None
    assert not Meter.objects.filter(serial_number="ХВ-0154-21").exists()


def test_meters_filter_by_verification(operator_client, kamal, november):
    soon = MeterFactory(
        premises=kamal.premises,
        serial_number="SOON-1",
        next_verification_on=datetime.date(2014, 12, 1),
    )
    url = reverse("admin:meters_meter_changelist")
    overdue = page_text(operator_client.get(url, {"verification": "overdue"}))
    assert "SOON-1" not in overdue
    page = page_text(operator_client.get(url, {"verification": "soon"}))
    assert soon.serial_number in page and "ХВ-0154-11" not in page


# --- CSV ----------------------------------------------------------------------------------------


def export(client, period="10.2014", **params):
    response = client.get(reverse("admin:meters_reading_export"), {"period": period, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode("utf-8")


def test_export_of_a_month_opens_in_excel(operator_client, kamal):
    MeterFactory(premises=kamal.premises, serial_number="БЕЗ-ПОКАЗАНИЙ")
    text = export(operator_client)
    assert text.startswith("\ufeffЛицевой счет;Адрес;Ресурс;Заводской номер;Зона;Месяц;Вид;")
    lines = text.strip("\ufeff").splitlines()
    assert (
        "1234567;г. Казань, ул. Гражданская, д. 1, кв. 154;Холодная вода;ХВ-0154-11;1;10.2014;"
        "показание за месяц;334,910;;передано жильцом;20.10.2014 10:00"
    ) in lines
    assert "Электроэнергия;Э-77415401;1;10.2014;показание за месяц;11092;" in text
    assert ";БЕЗ-ПОКАЗАНИЙ;1;10.2014;показание за месяц;;;;" in text  # a line to fill in
    assert len(lines) == 1 + 4


def test_export_needs_a_valid_month(operator_client):
    response = operator_client.get(reverse("admin:meters_reading_export"), {"period": "13.2014"})
    assert response.status_code == 200
    assert "Месяц не распознан" in page_text(response)


def import_file(client, content: bytes, name="contractor.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    response = client.post(reverse("admin:meters_reading_import"), {"file": upload, **extra})
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


CONTRACTOR = (
    "Заводской номер;Ресурс;Зона;Месяц;Показание;Лицевой счет\n"
    "ХВ-0154-11;Холодная вода;1;11.2014;340,100;1234567\n"
    "Э-77415401;ЭЭ;;11.2014;11290;\n"
    "ГВ-0154-12;;1;11.2014;130;\n"
    "НЕТ-ТАКОГО;;;11.2014;5;\n"
    "ХВ-0154-11;;;10.2014;335;\n"
    "ГВ-0154-12;;;11.2014;;\n"
    "ХВ-0154-11;;;11.2014;340,1;7654321\n"
)


def test_import_reports_every_line_and_imports_the_good_ones(operator_client, kamal, november):
    report = import_file(operator_client, CONTRACTOR.encode())
    rows = re.findall(
        r'<tr class="import-(\w+)"><td>(\d+)</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>',
        report,
    )
    by_line = {int(line): (status, message) for status, line, message in rows}
    assert by_line[2][0] == "accepted"
    assert by_line[3][0] == "accepted"
    assert by_line[4] == (
        "error",
        "Показание не может быть меньше предыдущего: 138,180 за октябрь 2014. Проверьте цифры на счетчике.",
    )
    assert by_line[5] == ("error", "Счетчик № НЕТ-ТАКОГО не найден.")
    assert by_line[6][0] == "error" and "Месяц октябрь 2014 закрыт" in by_line[6][1]
    assert by_line[7] == ("skipped", "Показание не указано.")
    assert by_line[8][0] == "error" and "не относится к лицевому счету 7654321" in by_line[8][1]
    assert "принято: 2, пропущено: 1, ошибка: 4" in report
    assert counting(water(kamal), NOV).value == D("340.100")
    assert counting(water(kamal), NOV).source == "staff"
    assert set(ReadingSubmission.objects.values_list("channel", flat=True)) == {"import"}
    assert "contractor.csv, строка 2" in ReadingSubmission.objects.get(meter=water(kamal)).note
    # The same file again imports nothing new.
    again = import_file(operator_client, CONTRACTOR.encode())
    assert "уже загружено: 2" in again
    assert ReadingSubmission.objects.count() == 2


def test_the_exported_sheet_filled_in_imports_back(operator_client, kamal, november):
    BillingPeriod.objects.filter(organization=kamal.organization).update(is_closed=False)
    sheet = export(operator_client, period="11.2014")
    filled = sheet.replace(
        "ХВ-0154-11;1;11.2014;показание за месяц;;",
        "ХВ-0154-11;1;11.2014;показание за месяц;341,002;",
    )
    report = import_file(operator_client, filled.encode("utf-8"), name="sheet.csv")
    assert "принято: 1, пропущено: 2" in report
    assert counting(water(kamal), NOV).value == D("341.002")


def test_import_reads_windows_1251_and_commas(operator_client, kamal, november):
    content = 'Заводской номер,Месяц,Показание\nХВ-0154-11,11.2014,"340,2"\n'.encode("cp1251")
    report = import_file(operator_client, content)
    assert "принято: 1" in report
    assert counting(water(kamal), NOV).value == D("340.2")


def test_a_jump_in_a_file_needs_the_box_ticked(operator_client, kamal, november):
    content = "Заводской номер;Месяц;Показание\nХВ-0154-11;11.2014;400\n".encode()
    assert "больше трех средних" in import_file(operator_client, content)
    assert counting(water(kamal), NOV) is None
    assert "принято: 1" in import_file(operator_client, content, name="b.csv", confirm_jumps="on")


def test_a_file_without_the_columns_is_refused_whole(operator_client, kamal):
    page = import_file(operator_client, "номер;значение\n1;2\n".encode())
    assert "В первой строке файла нет столбцов: «Заводской номер», «Месяц», «Показание»." in (
        page_text_from(page)
    )
    assert not ReadingSubmission.objects.exists()


def test_a_binary_file_is_refused_whole(operator_client, kamal):
    page = import_file(
        operator_client, "Заводской номер;Месяц;Показание\nХВ\x00;11.2014;1\n".encode()
    )
    assert "В файле есть нулевые байты: это не текстовый файл CSV." in page_text_from(page)
    assert not ReadingSubmission.objects.exists()


def page_text_from(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_history_and_reminders_are_read_only(operator_client, kamal, november):
    enter(operator_client, water(kamal), "340,5")
    submission = ReadingSubmission.objects.get()
    url = reverse("admin:meters_readingsubmission_change", args=[submission.pk])
    assert operator_client.post(url, {"value": "1"}).status_code == 403
    listing = operator_client.get(reverse("admin:meters_readingsubmission_changelist"))
    assert listing.status_code == 200 and "340.500" in page_text(listing).replace(",", ".")
    assert reverse("admin:meters_readingsubmission_add") not in listing.content.decode()


def test_a_line_that_cannot_be_read_stops_the_import_with_a_message(
    operator_client, kamal, november
):
    content = (
        "Заводской номер;Месяц;Показание\n"
        "ХВ-0154-11;11.2014;340,1\n"
        f"Э-77415401;11.2014;{'1' * 200_000}\n"
        "ГВ-0154-12;11.2014;140\n"
    ).encode()
    report = import_file(operator_client, content)
    assert "Строка не читается как CSV (field larger than field limit" in report
    assert "дальше файл не загружен" in report
    assert counting(water(kamal), NOV).value == D("340.1")
    assert counting(kamal.premises.meters.get(resource="hot_water"), NOV) is None

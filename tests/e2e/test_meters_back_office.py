"""Staff replace a meter, enter a reading and load a contractor's file, in a real browser.

The clock is 20 November 2014 (time-machine, ticking): the demo's August-October are
closed, November is open.
"""

import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kabinet.demo.reference import reference_load
from kabinet.demo.staff import DEMO_LOGINS, staff_users_load
from kabinet.meters.models import Meter, Reading
from kabinet.meters.tests.helpers import msk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NOV = datetime.date(2014, 11, 1)


@pytest.fixture
def demo(live_server):
    with time_machine.travel(msk(2014, 11, 20, 10, 0), tick=True):
        staff_users_load()
        yield reference_load()


def log_in(page: Page, live_server):
    login, password, _role = next(entry for entry in DEMO_LOGINS if entry[0] == "operator")
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Имя пользователя").fill(login)
    page.get_by_label("Пароль").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Войти").click()


def test_staff_replace_a_meter_enter_a_reading_and_import_a_file(
    page: Page, live_server, demo, tmp_path
):
    log_in(page, live_server)
    page.goto(live_server.url + "/admin/meters/meter/?q=ХВ-0154-11")
    page.get_by_role("link", name="ХВ-0154-11").click()
    page.get_by_role("link", name="Заменить счетчик").click()
    expect(page.locator("#content-main")).to_contain_text("334,910")
    page.get_by_label("Дата снятия").fill("12.11.2014")
    page.get_by_label("Конечное показание (зона 1)").fill("337,4")
    page.get_by_label("Заводской номер").fill("ХВ-0154-21")
    page.get_by_label("Дата установки").fill("12.11.2014")
    page.get_by_label("Начальное показание (зона 1)").fill("0")
    page.get_by_role("button", name="Заменить счетчик").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Счетчик Холодная вода № ХВ-0154-11 снят, установлен Холодная вода № ХВ-0154-21."
    )

    # "Внести показание" with the meter chosen in the autocomplete list (admin's script).
    page.goto(live_server.url + "/admin/meters/reading/")
    page.get_by_role("link", name="Внести показание").click()
    page.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill("Э-774")
    page.locator(".select2-results__option", has_text="Э-77415401").click()
    page.get_by_label("Месяц").fill("11.2014")
    page.get_by_label("Показание").fill("11290")
    page.get_by_role("button", name="Внести показание").click()
    expect(page.locator(".messagelist")).to_contain_text("внесено 11")
    expect(page.locator("#result_list")).to_contain_text("внесено сотрудником")

    # A contractor's file: the report comes line by line, then the totals.
    sheet = tmp_path / "contractor.csv"
    sheet.write_text(
        "Заводской номер;Месяц;Показание\nГВ-0154-12;11.2014;140,5\nГВ-0154-12;11.2014;100\n",
        encoding="utf-8",
    )
    page.goto(live_server.url + "/admin/meters/reading/import/")
    page.get_by_label("Файл CSV").set_input_files(sheet)
    page.get_by_role("button", name="Загрузить").click()
    expect(page.locator("#import-totals")).to_contain_text("принято: 1, ошибка: 1")
    expect(page.locator("tr.import-error")).to_contain_text("не может быть меньше предыдущего")

    new = Meter.objects.get(serial_number="ХВ-0154-21")
    assert Reading.objects.get(meter=new, kind="initial").period == NOV
    hot = Meter.objects.get(serial_number="ГВ-0154-12")
    assert Reading.objects.get(meter=hot, period=NOV).source == "staff"

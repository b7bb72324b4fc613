"""The payment QR string of ГОСТ Р 56042-2014 (docs/receipts.md#qr-code)."""

import datetime
from decimal import Decimal as D

import pytest
import zxingcpp
from PIL import Image

from kabinet.receipts import qr

OCT_2014 = datetime.date(2014, 10, 1)
ROMASHKA = dict(
    name='ООО "Ромашка"', personal_acc="40702810000000000001", bank_name="ПАО Сбербанк",
    bic="044525225", corresp_acc="30101810400000000225", payee_inn="7701234567", kpp="",
    sum_due=D("3195.03"), purpose="", pers_acc="1234567", month=OCT_2014,
    payer_address="г. Казань, ул. Гражданская, д. 1, кв. 154",
)  # fmt: skip


def test_the_example_of_the_rules_comes_out_exactly():
    assert qr.payload(**ROMASHKA) == (
        'ST00012|Name=ООО "Ромашка"|PersonalAcc=40702810000000000001|'
        "BankName=ПАО Сбербанк|BIC=044525225|CorrespAcc=30101810400000000225|"
        "PayeeINN=7701234567|Sum=319503|PersAcc=1234567|PaymPeriod=102014|"
        "PayerAddress=г. Казань, ул. Гражданская, д. 1, кв. 154|TechCode=02"
    )


def test_separators_and_line_breaks_are_taken_out_of_values():
    text = qr.payload(**{**ROMASHKA, "name": 'ООО "Ром|ашка"\n', "payer_address": "a|b\r\nc"})
    assert 'Name=ООО "Ром ашка"|' in text and "PayerAddress=a b c|" in text
    assert text.count("|") == 11  # after the header, before each of the 11 keys: no more


def test_long_values_are_cut_to_the_standards_limits():
    text = qr.payload(**{**ROMASHKA, "name": "Я" * 500, "bank_name": "Б" * 100})
    fields = dict(part.split("=", 1) for part in text.split("|")[1:])
    assert len(fields["BankName"]) == 45
    mandatory = "|".join(text.split("|")[1:6])
    assert len(mandatory.encode()) <= 300  # the mandatory block, in UTF-8 bytes
    assert fields["Name"] == "Я" * len(fields["Name"])


@pytest.mark.parametrize(
    ("due", "kopecks"),
    [(D("0.01"), "1"), (D("1500"), "150000"), (D("0"), "0"), (D("-410.63"), "0")],
)
def test_the_sum_is_in_kopecks_and_never_negative(due, kopecks):
    assert f"|Sum={kopecks}|" in qr.payload(**{**ROMASHKA, "sum_due": due})


def test_the_period_format_is_a_setting(settings):
    settings.RECEIPTS_QR_PERIOD_FORMAT = "MM.YYYY"
    assert "|PaymPeriod=10.2014|" in qr.payload(**ROMASHKA)


def test_the_svg_decodes_to_the_same_string_with_the_fixed_mask():
    text = qr.payload(**ROMASHKA)
    svg = qr.svg(text)
    # Draw the SVG's rectangles back into pixels, 4 per module, and decode them.
    view = int(svg.split('viewBox="0 0 ')[1].split(" ")[0])
    image = Image.new("L", (view * 4, view * 4), 255)
    path = svg.split(' d="')[1].split('"')[0]
    for run in path.split("M")[1:]:
        position, rest = run.split("h", 1)
        x, y = map(int, position.split())
        width = int(rest.split("v")[0])
        image.paste(0, (x * 4, y * 4, (x + width) * 4, (y + 1) * 4))
    [result] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert result.bytes.decode("utf-8") == text
    assert result.ec_level == "M"

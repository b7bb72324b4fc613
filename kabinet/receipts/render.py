"""Rendering a payment document to PDF with Typst (docs/receipts.md#rendering).

One template, kabinet/receipts/receipt.typ, fed one JSON value through `sys.inputs`:
`present` turns a document's data (the snapshot) into the strings it prints (Russian
number and date formats, translated labels, the QR code as SVG), `pdf` compiles. No
value is ever pasted into Typst source, so markup, Typst syntax or `|` in a name or an
address prints as it is and cannot change the layout or reach anything outside.

Fonts come from the directory RECEIPTS_FONT_DIR only (Debian's fonts-liberation, installed
by scripts/ensure-fonts; a system check says when it is missing): system fonts are
ignored, so the page looks the same on every machine, and nothing is ever downloaded.
"""

import datetime
import json
import re
import threading
from decimal import Decimal
from pathlib import Path

import typst
from django.conf import settings
from django.utils.translation import gettext as _

from kabinet.core.money import THOUSANDS_SEPARATOR, format_decimal, format_money
from kabinet.core.periods import month_label

from . import qr

TEMPLATE = Path(__file__).with_name("receipt.typ")
FONT_FILE = "LiberationSans-Regular.ttf"

# A run of this many characters without a space gets break opportunities (a zero-width
# space), so that a 255-letter "word" wraps in its column instead of running over the page.
_LONG_RUN = re.compile(r"\S{28}")


def _text(value) -> str:
    """One line of plain text: whitespace collapsed, long runs made breakable."""
    text = " ".join(str(value or "").split())
    return _LONG_RUN.sub(lambda m: m.group(0) + "\u200b", text)


# Thousands are set apart by a no-break space in the PDF: Liberation Sans has no narrow
# one (U+202F), which would come from a fallback font and vanish from the extracted text.
def _money(value) -> str:
    return format_money(Decimal(value)).replace(THOUSANDS_SEPARATOR, "\u00a0")


def _quantity(value) -> str:
    if value is None:
        return "—"
    text = format_decimal(Decimal(value), min_places=2, max_places=4)
    return text.replace(THOUSANDS_SEPARATOR, "\u00a0")


def _date(value: str) -> str:
    return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")


def _month_short(value: str) -> str:
    return datetime.date.fromisoformat(value).strftime("%m.%Y")


def labels() -> dict[str, str]:
    """The template's fixed text, translated."""
    return {
        "section_1": _("1. Сведения о плательщике и исполнителе услуг"),
        "section_2": _("2. Информация для внесения платы"),
        "section_3": _(
            "3. Расчет размера платы за содержание и ремонт жилого помещения и коммунальные услуги"
        ),
        "section_4": _("4. Справочная информация: показания приборов учета, сведения о доме"),
        "section_5": _("5. Перерасчеты"),
        "payer": _("Плательщик"),
        "payer_name": _("Ф. И. О."),
        "address": _("Адрес"),
        "account": _("Лицевой счет"),
        "area": _("Площадь помещения"),
        "residents": _("Зарегистрировано"),
        "property_type": _("Собственность"),
        "provider": _("Исполнитель услуг"),
        "provider_name": _("Наименование"),
        "inn_kpp": _("ИНН / КПП"),
        "phone": _("Телефон"),
        "email": _("E-mail"),
        "site": _("Сайт"),
        "working_hours": _("Часы работы"),
        "recipient": _("Получатель платежа"),
        "recipient_name": _("Наименование"),
        "bank": _("Банк"),
        "bic": _("БИК"),
        "settlement_account": _("Расчетный счет"),
        "correspondent_account": _("Корр. счет"),
        "to_pay": _("Итого к оплате, руб."),
        "qr_hint": _("Оплата по QR-коду в приложении банка"),
        "col_service": _("Вид услуги"),
        "col_unit": _("Ед. изм."),
        "col_volume": _("Объем (инд.)"),
        "col_common_volume": _("Объем на СОИ"),
        "col_price": _("Тариф, руб."),
        "col_charged": _("Начислено, руб."),
        "col_recalculation": _("Перерасчет, руб."),
        "col_total": _("Итого, руб."),
        "total_row": _("Итого за период"),
        "col_meter": _("Прибор учета"),
        "col_previous": _("Предыдущее"),
        "col_current": _("Текущее"),
        "col_used": _("Расход"),
        "col_method": _("Как определен"),
        "no_meters": _("Индивидуальных приборов учета с показаниями за период нет."),
        "house": _("Сведения о доме"),
        "suppliers": _("Поставщики услуг"),
        "col_concerns": _("За месяц"),
        "col_reason": _("Основание"),
        "col_amount": _("Сумма, руб."),
        "no_recalculations": _("Перерасчетов в периоде не было."),
    }


def _summary(balance: dict) -> list[dict]:
    start = Decimal(balance["start"])
    payments = balance["payments"]
    paid = _("Оплачено в периоде")
    if payments:
        paid = _("%(label)s (последний платеж %(date)s)") % {
            "label": paid,
            "date": _date(payments[-1]["date"]),
        }
    return [
        {
            "label": _("Задолженность на начало периода")
            if start >= 0
            else _("Аванс на начало периода"),
            "value": _money(abs(start)),
            "strong": False,
        },
        {"label": paid, "value": _money(balance["paid"]), "strong": False},
        {"label": _("Начислено за период"), "value": _money(balance["charged"]), "strong": True},
    ]


def _house_rows(house: dict) -> list[dict]:
    rows = []
    if house["total_area"]:
        rows.append(
            {"label": _("Общая площадь дома, кв. м"), "value": _quantity(house["total_area"])}
        )
    rows.append(
        {"label": _("Площадь помещений дома, кв. м"), "value": _quantity(house["premises_area"])}
    )
    if house["common_area"]:
        rows.append(
            {
                "label": _("Площадь общего имущества, кв. м"),
                "value": _quantity(house["common_area"]),
            }
        )
    for volume in house["volumes"]:
        rows.append(
            {
                "label": _("%(resource)s: объем по общедомовому прибору")
                % {"resource": volume["resource"]},
                "value": _quantity(volume["volume"]),
            }
        )
    return [{"label": _text(r["label"]), "value": r["value"]} for r in rows]


def _meter_name(meter: dict) -> str:
    name = f"{meter['resource']} № {meter['serial']}"
    return f"{name} ({meter['zone']})" if meter["zone"] else name


def qr_payload(data: dict) -> str | None:
    """The QR string of a document, or None when the organization lacks bank details."""
    org, payer, month = (
        data["organization"],
        data["payer"],
        datetime.date.fromisoformat(data["month"]),
    )
    if not all(
        org[key] for key in ("settlement_account", "bank_name", "bic", "correspondent_account")
    ):
        return None
    address = ", ".join(part for part in (payer["postal_code"], payer["address"]) if part)
    return qr.payload(
        name=org["name"], personal_acc=org["settlement_account"], bank_name=org["bank_name"],
        bic=org["bic"], corresp_acc=org["correspondent_account"], payee_inn=org["inn"],
        kpp=org["kpp"], sum_due=Decimal(data["balance"]["to_pay"]),
        purpose=_("Оплата ЖКУ за %(month)s, л/с %(account)s")
        % {"month": month.strftime("%m.%Y"), "account": payer["account"]},
        pers_acc=payer["account"], month=month, payer_address=address,
    )  # fmt: skip


def present(data: dict, *, number: int | None, issued_on: datetime.date | None) -> dict:
    """The strings a document prints, from its data; `number` None: an unnumbered draft
    (an open period)."""
    month = datetime.date.fromisoformat(data["month"])
    org, payer, charges = data["organization"], data["payer"], data["charges"]
    to_pay = Decimal(data["balance"]["to_pay"])
    payload = qr_payload(data)
    period = month_label(month)
    inn_kpp = " / ".join(part for part in (org["inn"], org["kpp"]) if part)
    organization = {key: _text(value) for key, value in org.items()}
    organization["inn_kpp"] = inn_kpp
    missing_details = (
        ""
        if payload
        else _(
            "Банковские реквизиты организации не заполнены: оплата по квитанции через банк "
            "пока невозможна, обратитесь в организацию."
        )
    )
    due = datetime.date.fromisoformat(data["due"])
    penalty = charges["penalty"]
    penalty_rows = [
        {
            "label": _("Пени"),
            "charged": _money(penalty["total"]),
            "recalculation": "—",
            "total": _money(penalty["total"]),
        }
    ]
    penalty_rows += [
        {
            "label": _text(line["label"]),
            "charged": _money(line["amount"]),
            "recalculation": "",
            "total": "",
        }
        for line in penalty["lines"]
    ]
    if number is None:
        number_line = _("ПРОЕКТ: период не закрыт")
        footer = _("Проект платежного документа: суммы могут измениться до закрытия периода.")
    else:
        number_line = _("Платежный документ № %(number)s от %(date)s") % {
            "number": number,
            "date": issued_on.strftime("%d.%m.%Y"),
        }
        footer = _("Платежный документ № %(number)s, %(period)s.") % {
            "number": number,
            "period": period,
        }
    return {
        "labels": labels(),
        "title": _("Квитанция за %(period)s, лицевой счет %(account)s")
        % {"period": period, "account": _text(payer["account"])},
        "draft": number is None,
        "draft_mark": _("ПРОЕКТ"),
        "heading": _("ПЛАТЕЖНЫЙ ДОКУМЕНТ (квитанция) за %(period)s года") % {"period": period},
        "subheading": _("на оплату содержания и ремонта жилого помещения и коммунальных услуг"),
        "number_line": number_line,
        "account_line": _("Лицевой счет № %(account)s") % {"account": _text(payer["account"])},
        "footer": footer,
        "payer": {
            "name": _text(payer["name"]),
            "address": _text(", ".join(p for p in (payer["postal_code"], payer["address"]) if p)),
            "account": _text(payer["account"]),
            "area": _("%(area)s кв. м")
            % {"area": format_decimal(Decimal(payer["area"]), min_places=0)},
            "residents": _("%(count)s чел.") % {"count": payer["residents"]},
            "property_type": _text(payer["property_type"]),
        },
        "provider": organization,
        "recipient": {
            "name": organization["name"],
            "inn_kpp": inn_kpp,
            "bank_name": organization["bank_name"],
            "bic": organization["bic"],
            "settlement_account": organization["settlement_account"],
            "correspondent_account": organization["correspondent_account"],
            "missing": missing_details,
        },
        "summary": _summary(data["balance"]),
        "to_pay": _money(max(to_pay, Decimal(0))),
        "due_line": (
            _("Оплатить до %(date)s.") % {"date": due.strftime("%d.%m.%Y")}
            if to_pay > 0
            else _("Переплата %(sum)s руб. будет учтена в следующих периодах.")
            % {"sum": _money(-to_pay)}
            if to_pay < 0
            else _("Задолженности нет.")
        ),
        "qr_svg": qr.svg(payload) if payload else "",
        "charges": {
            "rows": [
                {
                    "service": _text(row["service"]),
                    "unit": _text(row["unit"]),
                    "volume": _quantity(row["volume"]),
                    "common_volume": _quantity(row["common_volume"])
                    if Decimal(row["common_volume"])
                    else "—",
                    "price": _quantity(row["price"]),
                    "charged": _money(row["charged"]),
                    "recalculation": _money(row["recalculation"])
                    if Decimal(row["recalculation"])
                    else "—",
                    "total": _money(row["total"]),
                }
                for row in charges["rows"]
            ],
            "penalty_rows": penalty_rows,
            "charged": _money(charges["charged"]),
            "recalculation": _money(charges["recalculation"])
            if Decimal(charges["recalculation"])
            else "—",
            "total": _money(charges["total"]),
        },
        "meters": [
            {
                "meter": _text(_meter_name(meter)),
                "start": _quantity(meter["start"]),
                "end": _quantity(meter["end"]),
                "volume": _quantity(meter["volume"]),
                "method": _text(meter["method"]),
            }
            for meter in data["meters"]
        ],
        "house": _house_rows(data["house"]),
        "suppliers": [
            _text(
                _("%(name)s (ИНН %(inn)s): %(services)s")
                % {"name": s["name"], "inn": s["inn"], "services": ", ".join(s["services"])}
            )
            for s in data["suppliers"]
        ],
        "recalculations": [
            {
                "service": _text(r["service"]),
                "month": _month_short(r["month"]),
                "reason": _text(r["reason"]),
                "amount": _money(r["amount"]),
            }
            for r in data["recalculations"]
        ],
        "notice": _(
            "Платеж учитывается в том периоде, когда он поступил. Показания приборов учета "
            "передавайте в личном кабинете. %(site)s"
        )
        % {"site": settings.SITE_URL},
    }


_local = threading.local()


def _compiler() -> typst.Compiler:
    """One compiler per thread: it keeps the template and the fonts loaded between pages."""
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        compiler = typst.Compiler(
            str(TEMPLATE),
            font_paths=[str(settings.RECEIPTS_FONT_DIR)],
            ignore_system_fonts=True,
        )
        _local.compiler = compiler
    return compiler


def pdf_from_presented(presented: dict) -> bytes:
    """Compile the template with prepared strings: the bare render."""
    return _compiler().compile(
        format="pdf", sys_inputs={"data": json.dumps(presented, ensure_ascii=False)}
    )


def pdf(data: dict, *, number: int | None, issued_on: datetime.date | None) -> bytes:
    return pdf_from_presented(present(data, number=number, issued_on=issued_on))


def png(data: dict, *, number: int | None, issued_on: datetime.date | None, ppi: int) -> bytes:
    """Page 1 as PNG (for a look at the layout: manage.py receipt_png)."""
    presented = json.dumps(present(data, number=number, issued_on=issued_on), ensure_ascii=False)
    pages = _compiler().compile(format="png", ppi=ppi, sys_inputs={"data": presented})
    return pages[0] if isinstance(pages, list) else pages

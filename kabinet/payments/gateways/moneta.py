"""Moneta.ru (PayAnyWay), MONETA.Assistant: the payer pays on Moneta's hosted page.

- The request: a GET to the assistant page with the MNT_* fields and
  MNT_SIGNATURE = md5(MNT_ID + MNT_TRANSACTION_ID + MNT_AMOUNT + MNT_CURRENCY_CODE +
  MNT_SUBSCRIBER_ID + MNT_TEST_MODE + code).
- The Pay URL notification: md5([MNT_COMMAND +] MNT_ID + MNT_TRANSACTION_ID +
  MNT_OPERATION_ID + MNT_AMOUNT + MNT_CURRENCY_CODE + MNT_SUBSCRIBER_ID + MNT_TEST_MODE
  + code), over the values exactly as received, an absent one counting as empty; the
  Check URL request is signed the same way with MNT_COMMAND=CHECK.
- The answers: plain SUCCESS / FAIL, or XML signed md5(MNT_RESULT_CODE + MNT_ID +
  MNT_TRANSACTION_ID + code), with the 54-ФЗ receipt in MNT_ATTRIBUTES.

Signatures are lowercase hex MD5; they are compared in constant time. The protocol
choices (which commands mean what, the receipt's fields): docs/payments.md.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from .base import (
    Answer,
    Event,
    Gateway,
    Notice,
    NoticeMalformed,
    PaymentRequest,
    Receipt,
    Redirect,
    Verdict,
)

ASSISTANT_URL = "https://moneta.ru/assistant.htm"
# Where Moneta's hosted page may take the payer's form submission next.
MONETA_ORIGINS = ("https://moneta.ru", "https://*.moneta.ru", "https://*.payanyway.ru")

SIGNED_FIELDS = (
    "MNT_ID",
    "MNT_TRANSACTION_ID",
    "MNT_OPERATION_ID",
    "MNT_AMOUNT",
    "MNT_CURRENCY_CODE",
    "MNT_SUBSCRIBER_ID",
    "MNT_TEST_MODE",
)
LOGGED_FIELDS = (*SIGNED_FIELDS, "MNT_COMMAND", "MNT_SIGNATURE", "MNT_USER", "MNT_CORRACCOUNT")
CHECK_CODES = {
    Verdict.CHECK_AMOUNT: "100",
    Verdict.CHECK_PAID: "200",
    Verdict.CHECK_IN_PROGRESS: "302",
    Verdict.CHECK_PAYABLE: "402",
    Verdict.CHECK_REFUSED: "500",
}
MAX_FIELD = 255
_MERCHANT = re.compile(r"\d{1,20}")
_OPERATION = re.compile(r"[0-9A-Za-z-]{1,64}")
_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{32}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def signature(*values: str, code: str) -> str:
    """md5 of the values and the code, one after another: lowercase hex."""
    return hashlib.md5("".join((*values, code)).encode(), usedforsecurity=False).hexdigest()


def amount_text(amount: Decimal) -> str:
    """417.99: a dot and two decimals, as MNT_AMOUNT is written."""
    return f"{amount.quantize(Decimal('0.01')):f}"


class MonetaGateway(Gateway):
    kind = "moneta"
    logged_fields = LOGGED_FIELDS

    def default_page_url(self, base_url: str) -> str:
        return ASSISTANT_URL

    def page_origins(self, page_url: str) -> tuple[str, ...]:
        parts = urlsplit(page_url)
        return tuple(dict.fromkeys((f"{parts.scheme}://{parts.netloc}", *MONETA_ORIGINS)))

    # --- the request ------------------------------------------------------------------

    def start(self, *, request: PaymentRequest, page_url: str, code: str) -> Redirect:
        amount = amount_text(request.amount)
        test_mode = "1" if request.test_mode else "0"
        fields = {
            "MNT_ID": request.merchant_id,
            "MNT_TRANSACTION_ID": request.transaction_id,
            "MNT_AMOUNT": amount,
            "MNT_CURRENCY_CODE": request.currency,
            "MNT_TEST_MODE": test_mode,
            "MNT_DESCRIPTION": request.description,
            "MNT_SUCCESS_URL": request.success_url,
            "MNT_FAIL_URL": request.fail_url,
            "MNT_INPROGRESS_URL": request.in_progress_url,
            "MNT_RETURN_URL": request.return_url,
            "MNT_SIGNATURE": signature(
                request.merchant_id,
                request.transaction_id,
                amount,
                request.currency,
                "",  # MNT_SUBSCRIBER_ID: not sent
                test_mode,
                code=code,
            ),
        }
        separator = "&" if "?" in page_url else "?"
        return Redirect(
            url=f"{page_url}{separator}{urlencode(fields)}", origins=self.page_origins(page_url)
        )

    # --- notifications and check requests ---------------------------------------------

    def read(self, params: Mapping[str, str], *, kind: str) -> Notice:
        def field(name: str, pattern: re.Pattern | None = None, *, required: bool = False) -> str:
            value = params.get(name, "")
            if len(value) > MAX_FIELD:
                raise NoticeMalformed(f"{name} is too long")
            if _CONTROL.search(value):
                raise NoticeMalformed(f"{name} has control characters")
            if not value:
                if required:
                    raise NoticeMalformed(f"{name} is missing")
                return ""
            if pattern is not None and not pattern.fullmatch(value):
                raise NoticeMalformed(f"{name} is malformed")
            return value

        paying = kind == "pay"
        merchant_id = field("MNT_ID", _MERCHANT, required=True)
        transaction_id = field("MNT_TRANSACTION_ID", required=True)
        operation_id = field("MNT_OPERATION_ID", _OPERATION, required=paying)
        amount = field("MNT_AMOUNT", _AMOUNT, required=paying)
        currency = field("MNT_CURRENCY_CODE", _CURRENCY, required=paying)
        field("MNT_SUBSCRIBER_ID")
        test_mode = field("MNT_TEST_MODE")
        if test_mode not in ("", "0", "1"):
            raise NoticeMalformed("MNT_TEST_MODE is neither 0 nor 1")
        field("MNT_SIGNATURE", _SIGNATURE, required=True)
        command = field("MNT_COMMAND")
        if paying:
            event = self._event(command)
        elif command == "CHECK":
            event = Event.CHECK
        else:
            raise NoticeMalformed("a check request without MNT_COMMAND=CHECK")
        return Notice(
            kind=kind,
            event=event,
            merchant_id=merchant_id,
            transaction_id=transaction_id,
            operation_id=operation_id,
            amount=Decimal(amount) if amount else None,
            currency=currency,
            test_mode=test_mode == "1",
            command=command,
            raw={name: params.get(name, "") for name in LOGGED_FIELDS},
        )

    @staticmethod
    def _event(command: str) -> Event:
        """No command: the payment went through. Hold payments (which Kabinet does not
        ask for) announce AUTHORISE; a cancellation, a command starting with CANCEL."""
        if command == "":
            return Event.PAID
        if command == "AUTHORISE":
            return Event.AUTHORISED
        if command.startswith("CANCEL"):
            return Event.CANCELLED
        return Event.UNKNOWN

    def verify(self, notice: Notice, *, code: str) -> bool:
        raw = notice.raw
        values = [raw.get(name, "") for name in SIGNED_FIELDS]
        if raw.get("MNT_COMMAND"):
            values.insert(0, raw["MNT_COMMAND"])
        expected = signature(*values, code=code)
        received = raw.get("MNT_SIGNATURE", "").lower()
        return hmac.compare_digest(expected.encode(), received.encode())

    # --- answers ----------------------------------------------------------------------

    def answer(
        self,
        *,
        verdict: Verdict,
        notice: Notice | None,
        params: Mapping[str, str],
        code: str | None,
        amount: Decimal | None = None,
        receipt: Receipt | None = None,
    ) -> Answer:
        if verdict is Verdict.REFUSED:
            return Answer("FAIL", "text/plain; charset=utf-8")
        if verdict is Verdict.ACCEPTED and receipt is None:
            return Answer("SUCCESS", "text/plain; charset=utf-8")
        result_code = "200" if verdict is Verdict.ACCEPTED else CHECK_CODES[verdict]
        # Echoed as received, less what XML (and a database) cannot hold.
        merchant_id = _CONTROL.sub("", params.get("MNT_ID", "")[:MAX_FIELD])
        transaction_id = _CONTROL.sub("", params.get("MNT_TRANSACTION_ID", "")[:MAX_FIELD])
        root = ElementTree.Element("MNT_RESPONSE")
        ElementTree.SubElement(root, "MNT_ID").text = merchant_id
        ElementTree.SubElement(root, "MNT_TRANSACTION_ID").text = transaction_id
        ElementTree.SubElement(root, "MNT_RESULT_CODE").text = result_code
        if verdict is Verdict.CHECK_AMOUNT and amount is not None:
            ElementTree.SubElement(root, "MNT_AMOUNT").text = amount_text(amount)
        if code:
            ElementTree.SubElement(root, "MNT_SIGNATURE").text = signature(
                result_code, merchant_id, transaction_id, code=code
            )
        if receipt is not None:
            attributes = ElementTree.SubElement(root, "MNT_ATTRIBUTES")
            for key, value in self._receipt_attributes(receipt):
                attribute = ElementTree.SubElement(attributes, "ATTRIBUTE")
                ElementTree.SubElement(attribute, "KEY").text = key
                ElementTree.SubElement(attribute, "VALUE").text = value
        body = ElementTree.tostring(root, encoding="unicode")
        return Answer(
            f'<?xml version="1.0" encoding="UTF-8"?>\n{body}', "application/xml; charset=utf-8"
        )

    @staticmethod
    def _receipt_attributes(receipt: Receipt) -> list[tuple[str, str]]:
        """54-ФЗ for Moneta's cash register: the lines (INVENTORY, JSON) and the payer's
        e-mail or phone (CUSTOMER). A housing payment is a service paid in full."""
        inventory = [
            {
                "name": line.name[:128],
                "price": amount_text(line.price),
                "quantity": f"{line.quantity:f}",
                "vatTag": line.vat_tag,
                "pm": "full_payment",
                "po": "service",
            }
            for line in receipt.lines
        ]
        attributes = [("INVENTORY", json.dumps(inventory, ensure_ascii=False))]
        if receipt.customer:
            attributes.append(("CUSTOMER", receipt.customer))
        attributes.append(("DELIVERY", "0"))
        return attributes

"""The gateway interface: what Kabinet asks of a payment gateway, in its own terms.

A gateway (1) says where to send the payer to pay an online payment, (2) reads and
verifies what it later sends to the notification endpoints, and (3) builds the answer
it expects. Everything that touches money (which payment, whether to credit, the
ledger) is decided in payments/services.py from these gateway-neutral values, so that
another gateway (ЮKassa, T-Bank, СБП) is one more module here (docs/payments.md).
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


class NoticeMalformed(ValueError):
    """The request is not a well-formed notification of this gateway."""


class Event(enum.Enum):
    PAID = "paid"  # the money was taken: credit it
    AUTHORISED = "authorised"  # held on the card, not yet taken
    CANCELLED = "cancelled"  # the operation did not go through
    CHECK = "check"  # a question before paying: may this be paid?
    UNKNOWN = "unknown"  # a command this gateway module does not know


class Verdict(enum.Enum):
    """Kabinet's answer, in its own terms; each gateway writes it in its protocol."""

    ACCEPTED = "accepted"  # the notification is taken (credited, or nothing to do)
    REFUSED = "refused"  # not taken: the gateway will try again later
    CHECK_AMOUNT = "check_amount"  # payable, and here is the amount
    CHECK_PAYABLE = "check_payable"  # payable for the amount asked
    CHECK_PAID = "check_paid"  # already paid
    CHECK_IN_PROGRESS = "check_in_progress"  # being paid
    CHECK_REFUSED = "check_refused"  # unknown, cancelled, or does not match


@dataclass(frozen=True)
class PaymentRequest:
    """What to pay, as Kabinet recorded it."""

    transaction_id: str
    merchant_id: str
    amount: Decimal
    currency: str
    test_mode: bool
    description: str
    success_url: str
    fail_url: str
    in_progress_url: str
    return_url: str


@dataclass(frozen=True)
class Redirect:
    """Where to send the payer: a GET to `url`. `origins` are the hosts the payer's
    form submission may lead to (the page's Content-Security-Policy form-action)."""

    url: str
    origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A gateway's notification or check request, read but not yet trusted."""

    kind: str  # "pay" or "check"
    event: Event
    merchant_id: str
    transaction_id: str
    operation_id: str
    amount: Decimal | None  # None: the gateway did not say (allowed in a check)
    currency: str
    test_mode: bool
    command: str = ""
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    price: Decimal
    quantity: Decimal
    vat_tag: str


@dataclass(frozen=True)
class Receipt:
    """The 54-ФЗ receipt the gateway's cash register should print for a credited payment."""

    customer: str  # e-mail or phone, may be empty
    lines: tuple[ReceiptLine, ...]


@dataclass(frozen=True)
class Answer:
    content: str
    content_type: str


class Gateway:
    kind: str = ""
    # The notification fields to keep in the log (never anything else a request carries).
    logged_fields: tuple[str, ...] = ()

    def available(self) -> bool:
        return True

    def default_page_url(self, base_url: str) -> str:
        """The payment page when the settings name none; `base_url` is Kabinet's address."""
        raise NotImplementedError

    def page_origins(self, page_url: str) -> tuple[str, ...]:
        """Where the payer's browser may be sent from Kabinet's pay form."""
        raise NotImplementedError

    def start(self, *, request: PaymentRequest, page_url: str, code: str) -> Redirect:
        raise NotImplementedError

    def read(self, params: Mapping[str, str], *, kind: str) -> Notice:
        raise NotImplementedError

    def verify(self, notice: Notice, *, code: str) -> bool:
        raise NotImplementedError

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
        raise NotImplementedError

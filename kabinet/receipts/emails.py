"""The e-mail with a payment document attached, and its one-click unsubscribe link.

The link (in the text and in the `List-Unsubscribe` header, with `List-Unsubscribe-Post`
for mail clients' own button, RFC 8058) carries a signed token naming the user and the
account; it turns `receipts_by_email` off through
`housing.services.account_link_subscriptions_set` (docs/receipts.md#mailing).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from kabinet.accounts.emails import absolute_url
from kabinet.core.periods import month_label

UNSUBSCRIBE_SALT = "kabinet.receipts.unsubscribe"


def unsubscribe_token(*, user_id: int, account_id: int) -> str:
    return signing.dumps([user_id, account_id], salt=UNSUBSCRIBE_SALT, compress=False)


def unsubscribe_read(token: str) -> tuple[int, int] | None:
    """(user id, account id) of a token we signed, or None."""
    try:
        user_id, account_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not (isinstance(user_id, int) and isinstance(account_id, int)):
        return None
    return user_id, account_id


def unsubscribe_url(*, user_id: int, account_id: int) -> str:
    token = unsubscribe_token(user_id=user_id, account_id=account_id)
    return absolute_url(reverse("receipts:unsubscribe", args=[token]))


def receipt(*, delivery, document) -> None:
    """Mail one document to one address, the PDF attached."""
    account = document.account
    unsubscribe = unsubscribe_url(user_id=delivery.user_id, account_id=account.pk)
    context = {
        "site_url": settings.SITE_URL.rstrip("/"),
        "account": account,
        "period": month_label(document.month),
        "number": document.number,
        "to_pay": Decimal(document.data["balance"]["to_pay"]),
        "due": datetime.date.fromisoformat(document.data["due"]),
        "unsubscribe_link": unsubscribe,
        "cabinet_link": absolute_url(reverse("cabinet:receipts", args=[account.pk])),
    }
    subject = " ".join(render_to_string("emails/receipt-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject,
        render_to_string("emails/receipt-body-text.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [delivery.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string("emails/receipt-body-html.html", context), "text/html"
    )
    message.attach(document.filename, document.pdf(), "application/pdf")
    message.send()

"""The meters app's e-mails: the reading reminder and the confirmation of readings given.

Templates: `templates/emails/readings-reminder-*` and `readings-accepted-*` (subject,
text, HTML), sent through `accounts.emails.send`. Links lead to the resident pages by
URL name (`cabinet:meters_submit`, `cabinet:meters`) and to the unsubscribe page of this
app, whose signed token needs no login (docs/meters.md).
"""

import datetime

from django.core import signing
from django.urls import reverse

from kabinet.accounts.emails import Sent, absolute_url, send
from kabinet.housing.models import AccountLink, PersonalAccount

from . import rules, window
from .models import ReadingSubmission

UNSUBSCRIBE_SALT = "kabinet.meters.reminders.unsubscribe"


def unsubscribe_token(link: AccountLink) -> str:
    """A signed token naming the link: no expiry, no login needed (a deleted link or a
    changed SECRET_KEY makes it invalid)."""
    return signing.dumps(link.pk, salt=UNSUBSCRIBE_SALT)


def link_from_token(token: str) -> AccountLink | None:
    try:
        link_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(link_id, int):
        return None
    return (
        AccountLink.objects.select_related("account__premises__house").filter(pk=link_id).first()
    )


def unsubscribe_url(link: AccountLink) -> str:
    return absolute_url(reverse("meters:unsubscribe", args=[unsubscribe_token(link)]))


def reading_reminder(*, link: AccountLink, month: datetime.date) -> Sent:
    account = link.account
    unsubscribe = unsubscribe_url(link)
    return send(
        "readings-reminder",
        to=link.user.email,
        context={
            "user": link.user,
            "account": account,
            "organization": account.organization,
            "month": month,
            "window": window.window_of(account.organization, month),
            "link": absolute_url(reverse("cabinet:meters_submit", args=[account.pk])),
            "unsubscribe_link": unsubscribe,
        },
        headers={
            # RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that POSTs.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def readings_accepted(
    *, user, account: PersonalAccount, submissions: list[ReadingSubmission]
) -> Sent:
    lines = [
        {
            "meter": str(s.meter),
            "zone": s.meter.zone_name(s.zone),
            "value": rules.format_reading(s.value, s.meter.decimal_places),
            "unit": s.meter.unit,
            "rollover": s.rollover,
        }
        for s in submissions
    ]
    return send(
        "readings-accepted",
        to=user.email,
        context={
            "user": user,
            "account": account,
            "lines": lines,
            "at": submissions[0].created_at if submissions else None,
            "month": submissions[0].period if submissions else None,
            "link": absolute_url(reverse("cabinet:meters", args=[account.pk])),
        },
    )

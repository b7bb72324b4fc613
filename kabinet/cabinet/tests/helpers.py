"""Helpers for the resident pages' tests."""

import datetime

from django.urls import URLPattern, URLResolver, get_resolver

KAMAL_PROOF = {"paid_on": datetime.date(2014, 9, 30), "amount": "1500.00"}


def attach_data(target, /, **overrides) -> dict:
    """POST data of the attach form for the `target` account, the Kamal account's proof."""
    premises = target.premises
    data = {
        "organization": target.organization_id,
        "house": premises.house_id,
        "premises": premises.pk,
        "account": target.pk,
        "paid_on": "30.09.2014",
        "amount": "1 500,00",
        "captcha_0": "test-key",
        "captcha_1": "PASSED",
    }
    data.update(overrides)
    return data


# --- a walk of every URL pattern of the site (the fuzzing and the headers' tests) --------

# The back office, the CAPTCHA images and the gateways' server-to-server endpoints have
# their own tests.
SKIPPED_PREFIXES = ("admin/", "captcha/", "payments/")


def _walk(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def site_routes(skipped=SKIPPED_PREFIXES) -> list[str]:
    """Every route of the site ("cabinet/<int:account_id>/payments/", …) but `skipped`."""
    return sorted(route for route in _walk(get_resolver()) if not route.startswith(skipped))


def concrete_url(route: str, account) -> str:
    """The route with the arguments filled in for `account` (an attached one)."""
    meter = account.premises.meters.order_by("pk").first()
    values = {
        "<int:account_id>": str(account.pk),
        "<int:meter_id>": str(meter.pk),
        "<str:token>": "x",
        "<slug:kind>": "terms",
    }
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    assert "<" not in route, f"{route}: give the walk a value for this argument"
    return "/" + route

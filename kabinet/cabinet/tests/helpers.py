"""Helpers for the resident pages' tests."""

import datetime

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

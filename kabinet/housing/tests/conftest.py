"""Fixtures for the account pages: the reference account of Fig. 5, users, CAPTCHA test mode."""

import datetime

import pytest

from kabinet.core.demo.reference import reference_load
from kabinet.core.factories import UserFactory
from kabinet.housing.models import AccountLink

PASSWORD = "correct-horse-battery"


@pytest.fixture
def captcha_passes(settings, monkeypatch):
    """The CAPTCHA accepts "PASSED" (the package reads the setting at import)."""
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


@pytest.fixture
def kamal(db):
    """ОАО "Камал", account 1234567: last payment 30.09.2014, 1 500,00; debt 5 589,37."""
    return reference_load()


@pytest.fixture
def user(db):
    return UserFactory(username="muravyev")


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def owner_client(client, user, kamal):
    """A logged-in client of a user who has attached the Kamal account."""
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    return client


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

"""Fixtures for the resident pages: the reference account of Fig. 5 and its users."""

import pytest

from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from tests.factories import UserFactory


@pytest.fixture
def kamal(db):
    """ОАО «Камал», account 1234567: last payment 30.09.2014, 1 500,00; debt 5 589,37."""
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

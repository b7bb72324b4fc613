"""Fixtures of the online payment tests: an account, its organization's gateway."""

import pytest

from kabinet.payments.models import GatewayKind
from tests.factories import PersonalAccountFactory

from .helpers import gateway


@pytest.fixture
def account(db):
    return PersonalAccountFactory(number="1234567")


@pytest.fixture
def moneta(account):
    """Moneta, account 54600817, code QWERTY (the protocol's example), no fiscal receipts."""
    return gateway(account.organization)


@pytest.fixture
def sandbox(account):
    return gateway(account.organization, kind=GatewayKind.SANDBOX)

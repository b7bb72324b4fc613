import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kabinet.housing.models import Organization, PersonalAccount
from tests.factories import (
    HouseFactory,
    OrganizationFactory,
    PersonalAccountFactory,
    PremisesFactory,
)

pytestmark = pytest.mark.django_db


def test_it_refuses_a_second_account_with_the_same_number_in_one_organization():
    account = PersonalAccountFactory(number="1234567")
    other_premises = PremisesFactory(house=account.premises.house)
    duplicate = PersonalAccount(
        organization=account.organization,
        premises=other_premises,
        number="1234567",
        holder_name="Петров Петр Петрович",
        opened_on=datetime.date(2015, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Лицевой счет с таким номером в организации уже есть." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_it_allows_the_same_number_in_another_organization():
    PersonalAccountFactory(number="1234567")
    other = PersonalAccountFactory(number="1234567")
    assert PersonalAccount.objects.filter(number="1234567").count() == 2
    assert other.organization_id != PersonalAccount.objects.first().organization_id


def test_it_refuses_an_account_for_premises_of_another_organization():
    premises = PremisesFactory()
    stranger = OrganizationFactory()
    account = PersonalAccount(
        organization=stranger,
        premises=premises,
        number="1",
        holder_name="Иванов Иван Иванович",
        opened_on=datetime.date(2015, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        account.full_clean()
    assert "другой управляющей организации" in str(error.value.message_dict["premises"])


def test_it_refuses_closing_before_opening():
    account = PersonalAccountFactory.build(
        premises=PremisesFactory(),
        opened_on=datetime.date(2015, 1, 1),
        closed_on=datetime.date(2014, 12, 31),
    )
    account.organization = account.premises.house.organization
    with pytest.raises(ValidationError, match="раньше даты открытия"):
        account.full_clean()


def test_premises_numbers_are_unique_within_a_house_only():
    house = HouseFactory()
    PremisesFactory(house=house, number="154")
    PremisesFactory(number="154")  # another house: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        PremisesFactory(house=house, number="154")


def test_only_one_organization_is_the_site_operator():
    OrganizationFactory(is_site_operator=True)
    second = OrganizationFactory.build(is_site_operator=True)
    with pytest.raises(ValidationError, match="только одна организация"):
        second.full_clean()


def test_bank_details_are_validated_as_digits():
    organization = OrganizationFactory.build(bic="04452522X", settlement_account="4070281")
    with pytest.raises(ValidationError) as error:
        organization.full_clean()
    assert set(error.value.message_dict) >= {"bic", "settlement_account"}


def test_addresses_read_the_russian_way():
    premises = PremisesFactory(
        house=HouseFactory(city="г. Казань", street="ул. Гражданская", number="1", block="2"),
        number="154",
    )
    assert premises.address == "г. Казань, ул. Гражданская, д. 1, корп. 2, кв. 154"
    assert Organization.objects.count() == 1

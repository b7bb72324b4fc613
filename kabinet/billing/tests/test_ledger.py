import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kabinet.billing.models import Charge, Payment, Penalty
from kabinet.billing.selectors import account_balance, tariff_for
from kabinet.billing.services import (
    charge_add,
    payment_record,
    penalty_add,
    period_open,
    tariff_add,
    tariff_close,
)
from tests.factories import (
    BillingPeriodFactory,
    HouseFactory,
    PersonalAccountFactory,
    ServiceFactory,
    TariffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return PersonalAccountFactory()


@pytest.fixture
def service(account):
    return ServiceFactory(organization=account.organization)


class TestTariffForDate:
    @pytest.fixture
    def history(self, service):
        old = TariffFactory(
            service=service,
            price=D("11.90"),
            valid_from=datetime.date(2014, 1, 1),
            valid_to=datetime.date(2014, 6, 30),
        )
        new = TariffFactory(
            service=service, price=D("12.41"), valid_from=datetime.date(2014, 7, 1)
        )
        return old, new

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (datetime.date(2014, 1, 1), D("11.90")),  # first day of validity
            (datetime.date(2014, 6, 30), D("11.90")),  # last day of validity
            (datetime.date(2014, 7, 1), D("12.41")),  # the new one from its first day
            (datetime.date(2030, 1, 1), D("12.41")),  # open-ended
        ],
    )
    def test_it_picks_the_price_in_force_on_the_date(self, history, service, day, expected):
        tariff = tariff_for(service_id=service.pk, house_id=None, on=day)
        assert tariff.price == expected

    def test_it_has_no_price_before_the_first_tariff(self, history, service):
        assert (
            tariff_for(service_id=service.pk, house_id=None, on=datetime.date(2013, 12, 31))
            is None
        )

    def test_a_house_tariff_wins_over_the_organization_tariff(self, history, service, account):
        house = account.premises.house
        TariffFactory(
            service=service, house=house, price=D("9.99"), valid_from=datetime.date(2014, 9, 1)
        )
        assert tariff_for(
            service_id=service.pk, house_id=house.pk, on=datetime.date(2014, 10, 1)
        ).price == D("9.99")
        # Before the house's own tariff starts, the organization's applies.
        assert tariff_for(
            service_id=service.pk, house_id=house.pk, on=datetime.date(2014, 8, 1)
        ).price == D("12.41")
        other_house = HouseFactory(organization=account.organization)
        assert tariff_for(
            service_id=service.pk, house_id=other_house.pk, on=datetime.date(2014, 10, 1)
        ).price == D("12.41")

    def test_an_overlapping_tariff_is_refused_with_a_clear_message(self, history, service):
        with pytest.raises(ValidationError, match="пересекается"):
            tariff_add(service=service, price=D("13.00"), valid_from=datetime.date(2014, 6, 1))
        assert service.tariffs.count() == 2

    def test_a_tariff_after_the_closed_one_is_accepted(self, history, service):
        _old, new = history
        tariff_close(tariff=new, valid_to=datetime.date(2014, 12, 31))
        added = tariff_add(service=service, price=D("13.02"), valid_from=datetime.date(2015, 1, 1))
        assert (
            tariff_for(service_id=service.pk, house_id=None, on=datetime.date(2015, 1, 1)) == added
        )

    def test_closing_a_tariff_cannot_reopen_it_over_a_later_one(self, history, service):
        old, _new = history
        with pytest.raises(ValidationError, match="пересекается"):
            tariff_close(tariff=old, valid_to=None)
        old.refresh_from_db()
        assert old.valid_to == datetime.date(2014, 6, 30)

    def test_a_house_tariff_overlaps_only_that_houses_tariffs(self, history, service, account):
        house = account.premises.house
        tariff_add(
            service=service, house=house, price=D("9.99"), valid_from=datetime.date(2014, 9, 1)
        )
        with pytest.raises(ValidationError, match="пересекается"):
            tariff_add(
                service=service, house=house, price=D("9.98"), valid_from=datetime.date(2015, 1, 1)
            )

    def test_a_house_of_another_organization_is_refused(self, service):
        with pytest.raises(ValidationError, match="другая организация"):
            tariff_add(
                service=service,
                house=HouseFactory(),
                price=D("1"),
                valid_from=datetime.date(2014, 1, 1),
            )

    def test_an_end_before_the_start_is_refused(self, service):
        with pytest.raises(ValidationError, match="не может быть раньше"):
            tariff_add(
                service=service,
                price=D("1"),
                valid_from=datetime.date(2014, 7, 1),
                valid_to=datetime.date(2014, 6, 30),
            )

    def test_prices_keep_six_places(self, service):
        tariff = TariffFactory(service=service, price=D("1434.590123"))
        tariff.refresh_from_db()
        assert tariff.price == D("1434.590123")


class TestCharges:
    def test_a_charge_is_tariff_times_volume_rounded_half_up(self, account, service):
        period = period_open(
            organization_id=account.organization_id, month=datetime.date(2014, 10, 15)
        )
        tariff = TariffFactory(service=service, price=D("12.41"))
        charge = charge_add(
            account=account, period=period, service=service, tariff=tariff, volume=D("50.50")
        )
        charge.refresh_from_db()
        assert charge.amount == D("626.71")  # 626,705 half-up
        assert charge.price == D("12.41")
        assert period.month == datetime.date(2014, 10, 1)

    def test_total_is_amount_plus_recalculation(self, account, service):
        period = BillingPeriodFactory(organization=account.organization)
        tariff = TariffFactory(service=service, price=D("2.80"))
        charge = charge_add(
            account=account,
            period=period,
            service=service,
            tariff=tariff,
            volume=D("50.50"),
            recalculation=D("-20.005"),
        )
        charge.refresh_from_db()
        assert (charge.amount, charge.recalculation, charge.total) == (
            D("141.40"),
            D("-20.01"),
            D("121.39"),
        )

    def test_booking_twice_returns_the_first_charge(self, account, service):
        period = BillingPeriodFactory(organization=account.organization)
        tariff = TariffFactory(service=service)
        first = charge_add(
            account=account, period=period, service=service, tariff=tariff, volume=D("1")
        )
        second = charge_add(
            account=account, period=period, service=service, tariff=tariff, volume=D("5")
        )
        assert first.pk == second.pk
        assert Charge.objects.get().volume == D("1")

    def test_a_closed_period_takes_no_charges(self, account, service):
        period = BillingPeriodFactory(organization=account.organization, is_closed=True)
        with pytest.raises(ValidationError, match="закрыт"):
            charge_add(
                account=account,
                period=period,
                service=service,
                tariff=TariffFactory(service=service),
                volume=D("1"),
            )
        assert not Charge.objects.exists()

    def test_a_closed_period_takes_no_penalties(self, account):
        period = BillingPeriodFactory(organization=account.organization, is_closed=True)
        with pytest.raises(ValidationError, match="закрыт"):
            penalty_add(account=account, period=period, amount=D("11.53"))
        assert not Penalty.objects.exists()

    def test_a_penalty_goes_to_a_period_of_the_accounts_organization(self, account):
        period = BillingPeriodFactory()
        with pytest.raises(ValidationError, match="другой организации"):
            penalty_add(account=account, period=period, amount=D("11.53"))

    def test_a_period_starts_on_the_first(self, account):
        with pytest.raises(IntegrityError), transaction.atomic():
            BillingPeriodFactory(
                organization=account.organization, month=datetime.date(2014, 10, 2)
            )


class TestLedgerIsAppendOnly:
    @pytest.fixture
    def payment(self, account):
        return payment_record(
            account=account,
            paid_on=datetime.date(2014, 9, 30),
            amount=D("1500"),
            source=Payment.Source.CASH,
        )[0]

    def test_a_saved_row_cannot_be_changed(self, payment):
        payment.amount = D("1")
        with pytest.raises(TypeError, match="append-only"):
            payment.save()
        assert Payment.objects.get().amount == D("1500.00")

    def test_rows_cannot_be_deleted_one_by_one_or_in_bulk(self, payment):
        with pytest.raises(TypeError, match="append-only"):
            payment.delete()
        with pytest.raises(TypeError, match="append-only"):
            Payment.objects.all().delete()
        with pytest.raises(TypeError, match="append-only"):
            Payment.objects.update(amount=D("1"))
        assert Payment.objects.count() == 1


class TestPayments:
    def test_a_repeated_external_id_posts_nothing(self, account):
        first, created = payment_record(
            account=account,
            paid_on=datetime.date(2014, 9, 30),
            amount=D("1500.00"),
            source=Payment.Source.BANK,
            external_id="op-1",
        )
        again, created_again = payment_record(
            account=account,
            paid_on=datetime.date(2014, 9, 30),
            amount=D("1500.00"),
            source=Payment.Source.BANK,
            external_id="op-1",
        )
        assert (created, created_again) == (True, False)
        assert first.pk == again.pk
        assert Payment.objects.count() == 1

    def test_the_same_external_id_from_another_source_is_another_payment(self, account):
        for source in (Payment.Source.BANK, Payment.Source.ONLINE):
            payment_record(
                account=account,
                paid_on=datetime.date(2014, 9, 30),
                amount=D("1"),
                source=source,
                external_id="7",
            )
        assert Payment.objects.count() == 2

    def test_payments_without_external_id_are_not_deduplicated(self, account):
        for _ in range(2):
            payment_record(
                account=account, paid_on=datetime.date(2014, 9, 30), amount=D("1"), source="cash"
            )
        assert Payment.objects.count() == 2

    def test_a_zero_payment_is_refused(self, account):
        with pytest.raises(ValidationError):
            payment_record(
                account=account,
                paid_on=datetime.date(2014, 9, 30),
                amount=D("0.001"),
                source="cash",
            )
        assert not Payment.objects.exists()


class TestBalance:
    def test_the_balance_is_charges_plus_penalties_minus_payments(self, account, service):
        september = BillingPeriodFactory(
            organization=account.organization, month=datetime.date(2014, 9, 1)
        )
        october = BillingPeriodFactory(
            organization=account.organization, month=datetime.date(2014, 10, 1)
        )
        tariff = TariffFactory(service=service, price=D("100"))
        charge_add(
            account=account, period=september, service=service, tariff=tariff, volume=D("10")
        )
        charge_add(account=account, period=october, service=service, tariff=tariff, volume=D("12"))
        penalty_add(account=account, period=october, amount=D("11.534"))
        payment_record(
            account=account, paid_on=datetime.date(2014, 10, 5), amount=D("900"), source="cash"
        )

        assert account_balance(account_id=account.pk) == D("1200.00") + D("1000.00") + D(
            "11.53"
        ) - D("900.00")
        # As of September's end: September's charges less nothing paid yet.
        assert account_balance(account_id=account.pk, as_of=datetime.date(2014, 9, 30)) == D(
            "1000.00"
        )
        assert Penalty.objects.get().amount == D("11.53")

    def test_an_overpayment_is_negative(self, account):
        payment_record(
            account=account, paid_on=datetime.date(2014, 10, 5), amount=D("250.5"), source="cash"
        )
        assert account_balance(account_id=account.pk) == D("-250.50")

    def test_an_account_without_rows_owes_nothing(self, account):
        other = PersonalAccountFactory()
        payment_record(
            account=other, paid_on=datetime.date(2014, 10, 5), amount=D("1"), source="cash"
        )
        balance = account_balance(account_id=account.pk)
        assert balance == D("0.00") and isinstance(balance, D)

"""account_attach / account_detach: the link, lockouts, the attempt log; an account link's
e-mail subscriptions.

What proves an account is one's own is the caller's check (the resident pages pass
`billing.selectors.last_payment_matches`, tested in kabinet/billing/tests); here the
check is a function that says yes or no.
"""

import datetime
import logging
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from kabinet.housing.models import AccountAttachAttempt, AccountLink, PersonalAccount
from kabinet.housing.services import (
    AttachRefused,
    account_attach,
    account_detach,
    account_link_add_by_staff,
    account_link_subscriptions_set,
)
from tests.factories import PersonalAccountFactory, UserFactory

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
RIGHT = {"proof": lambda account: True}
WRONG = {"proof": lambda account: False}
Outcome = AccountAttachAttempt.Outcome


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def kamal():
    return PersonalAccountFactory(number="1234567")


def outcomes(**filters) -> list[str]:
    return list(
        AccountAttachAttempt.objects.filter(**filters)
        .order_by("id")
        .values_list("outcome", flat=True)
    )


def test_it_attaches_an_account_the_proof_accepts_and_logs_the_try(user, kamal):
    link, created = account_attach(user=user, account_id=kamal.pk, ip_address="10.0.0.7", **RIGHT)
    assert created and link.user == user and link.account == kamal
    attempt = AccountAttachAttempt.objects.get()
    assert (attempt.outcome, attempt.user, attempt.account, attempt.ip_address) == (
        Outcome.ATTACHED, user, kamal, "10.0.0.7",
    )  # fmt: skip


def test_it_logs_each_try_as_a_security_event_without_the_proof(user, kamal, caplog):
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        with pytest.raises(AttachRefused):
            account_attach(user=user, account_id=kamal.pk, ip_address="10.0.0.7", **WRONG)
    [line] = [m for m in caplog.messages if "event=account.attach" in m]
    assert f"user_id={user.pk}" in line and "ip=10.0.0.7" in line
    assert f"account_id={kamal.pk}" in line and "outcome=wrong" in line


def test_a_wrong_proof_is_refused_with_one_message_and_logged(user, kamal):
    with pytest.raises(AttachRefused) as error:
        account_attach(user=user, account_id=kamal.pk, **WRONG)
    assert error.value.code == "wrong_proof"
    # The message names neither the date nor the amount as the wrong part.
    assert error.value.messages == [
        "Дата и сумма не совпадают с последним платежом по этому лицевому счету. "
        "Проверьте их по квитанции или банковской выписке и попробуйте еще раз. "
        "Если платежей по счету еще не было, обратитесь в управляющую организацию: "
        "сотрудник добавит счет в ваш кабинет."
    ]
    assert not AccountLink.objects.exists()
    assert outcomes() == [Outcome.WRONG_PROOF]  # logged although refused


def test_the_proof_is_checked_on_the_account_asked_for_and_not_during_a_lockout(user, kamal):
    checked = []

    def proof(account):
        checked.append(account.pk)
        return False

    for _ in range(6):
        with pytest.raises(AttachRefused):
            account_attach(user=user, account_id=kamal.pk, proof=proof)
    assert checked == [kamal.pk] * 5  # the sixth try came during the lockout


def test_attaching_twice_is_a_no_op(user, kamal):
    first, _ = account_attach(user=user, account_id=kamal.pk, **RIGHT)
    again, created = account_attach(user=user, account_id=kamal.pk, **WRONG)  # proof not needed
    assert (again, created) == (first, False)
    assert AccountLink.objects.count() == 1
    assert outcomes() == [Outcome.ATTACHED, Outcome.ALREADY_ATTACHED]


def test_family_members_attach_the_same_account_and_one_user_holds_several(user, kamal):
    spouse = UserFactory()
    other = PersonalAccountFactory()
    account_attach(user=user, account_id=kamal.pk, **RIGHT)
    account_attach(user=spouse, account_id=kamal.pk, **RIGHT)
    account_attach(user=user, account_id=other.pk, **RIGHT)
    assert set(AccountLink.objects.values_list("user__username", "account__number")) == {
        (user.username, "1234567"),
        (spouse.username, "1234567"),
        (user.username, other.number),
    }


def test_an_unknown_account_is_a_validation_error(user):
    with pytest.raises(ValidationError, match="Такого лицевого счета нет"):
        account_attach(user=user, account_id=987654, **RIGHT)


def test_five_wrong_proofs_by_one_user_lock_that_user_for_that_account_for_an_hour(
    user, kamal, time_machine
):
    start = datetime.datetime(2024, 5, 10, 12, 0, tzinfo=MSK)
    for minute in range(4):
        time_machine.move_to(start + datetime.timedelta(minutes=minute * 10), tick=False)
        with pytest.raises(AttachRefused) as error:
            account_attach(user=user, account_id=kamal.pk, **WRONG)
        assert error.value.code == "wrong_proof"

    fifth = start + datetime.timedelta(minutes=50)
    time_machine.move_to(fifth, tick=False)
    with pytest.raises(AttachRefused) as error:  # the fifth says at once that tries are locked
        account_attach(user=user, account_id=kamal.pk, **WRONG)
    assert error.value.code == "locked"
    assert error.value.locked_until == fifth + datetime.timedelta(hours=1)
    assert "повторите после 13:50 (через 60 мин.)" in error.value.messages[0]

    # Locked for this user, even with the right proof, and the refusal does not check it.
    time_machine.move_to(fifth + datetime.timedelta(minutes=59), tick=False)
    with pytest.raises(AttachRefused) as error:
        account_attach(user=user, account_id=kamal.pk, **RIGHT)
    assert error.value.code == "locked"
    assert "через 1 мин." in error.value.messages[0]
    # Another account of the same user is not locked.
    other = PersonalAccountFactory()
    assert account_attach(user=user, account_id=other.pk, **RIGHT)[1]

    # An hour after the fifth wrong proof the right proof is accepted again.
    time_machine.move_to(fifth + datetime.timedelta(hours=1), tick=False)
    assert account_attach(user=user, account_id=kamal.pk, **RIGHT)[1]
    assert outcomes(account=kamal) == [Outcome.WRONG_PROOF] * 5 + [
        Outcome.LOCKED,
        Outcome.ATTACHED,
    ]


def test_strangers_wrong_proofs_never_refuse_the_owner_but_alert_staff(
    user, kamal, time_machine, caplog
):
    # Five wrong proofs by anyone locked the account for everyone for an hour: one
    # throwaway login could deny two accounts an hour to their owners.
    start = datetime.datetime(2024, 5, 10, 12, 0, tzinfo=MSK)
    time_machine.move_to(start, tick=False)
    strangers = [UserFactory() for _ in range(3)]
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        for attempt in range(12):
            time_machine.move_to(start + datetime.timedelta(minutes=attempt), tick=False)
            with pytest.raises(AttachRefused):
                account_attach(user=strangers[attempt % 3], account_id=kamal.pk, **WRONG)
            kamal.refresh_from_db()
            if attempt == 3:
                assert kamal.attach_alert_at is None
            if attempt == 4:  # the fifth wrong proof for the account: staff are alerted
                assert kamal.attach_alert_at == start + datetime.timedelta(minutes=4)
    alerts = [r.getMessage() for r in caplog.records if "account.attach_alert" in r.getMessage()]
    assert len(alerts) == 1 and f"account_id={kamal.pk}" in alerts[0]
    assert caplog.records[-1].levelno <= logging.WARNING
    # The owner's right proof is accepted at once.
    assert account_attach(user=user, account_id=kamal.pk, **RIGHT)[1]


def test_staff_attach_an_account_and_it_is_logged(user, kamal, caplog):
    staff = UserFactory(is_staff=True)
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        link, created = account_link_add_by_staff(user=user, account_id=kamal.pk, by=staff)
    assert created and link.user == user and link.account == kamal
    assert outcomes(account=kamal) == [Outcome.BY_STAFF]
    assert f"by={staff.pk}" in caplog.text and "outcome=staff" in caplog.text
    assert not account_link_add_by_staff(user=user, account_id=kamal.pk, by=staff)[1]


def test_wrong_proofs_spread_over_more_than_an_hour_do_not_lock(user, kamal, time_machine):
    start = datetime.datetime(2024, 5, 10, 12, 0, tzinfo=MSK)
    for minute in (0, 20, 40, 59):
        time_machine.move_to(start + datetime.timedelta(minutes=minute), tick=False)
        with pytest.raises(AttachRefused):
            account_attach(user=user, account_id=kamal.pk, **WRONG)
    time_machine.move_to(start + datetime.timedelta(minutes=61), tick=False)  # 20, 40, 59, 61
    with pytest.raises(AttachRefused) as error:
        account_attach(user=user, account_id=kamal.pk, **WRONG)
    assert error.value.code == "wrong_proof"
    assert account_attach(user=user, account_id=kamal.pk, **RIGHT)[1]


def test_ten_wrong_proofs_by_one_user_lock_that_user_for_every_account(user, kamal, time_machine):
    start = datetime.datetime(2024, 5, 10, 12, 0, tzinfo=MSK)
    time_machine.move_to(start, tick=False)
    accounts = [PersonalAccountFactory() for _ in range(5)]
    codes = []
    for attempt in range(10):
        time_machine.move_to(start + datetime.timedelta(minutes=attempt), tick=False)
        with pytest.raises(AttachRefused) as error:  # two per account: no account lock
            account_attach(user=user, account_id=accounts[attempt // 2].pk, **WRONG)
        codes.append(error.value.code)
    assert codes == ["wrong_proof"] * 9 + ["locked"]

    with pytest.raises(AttachRefused) as error:  # another account, the right proof: still locked
        account_attach(user=user, account_id=kamal.pk, **RIGHT)
    assert error.value.code == "locked"
    # Someone else attaches those accounts meanwhile.
    assert account_attach(user=UserFactory(), account_id=kamal.pk, **RIGHT)[1]

    time_machine.move_to(start + datetime.timedelta(minutes=9, hours=1), tick=False)
    assert account_attach(user=user, account_id=kamal.pk, **RIGHT)[1]


def test_refused_tries_during_a_lockout_do_not_extend_it(user, kamal, time_machine):
    start = datetime.datetime(2024, 5, 10, 12, 0, tzinfo=MSK)
    time_machine.move_to(start, tick=False)
    for _ in range(5):
        with pytest.raises(AttachRefused):
            account_attach(user=user, account_id=kamal.pk, **WRONG)
    for minutes in (10, 30, 59):
        time_machine.move_to(start + datetime.timedelta(minutes=minutes), tick=False)
        with pytest.raises(AttachRefused, match="повторите после 13:00"):
            account_attach(user=user, account_id=kamal.pk, **WRONG)
    time_machine.move_to(start + datetime.timedelta(hours=1), tick=False)
    with pytest.raises(AttachRefused) as error:  # a fresh count: one wrong proof, no lock
        account_attach(user=user, account_id=kamal.pk, **WRONG)
    assert error.value.code == "wrong_proof"


def test_detach_removes_only_this_users_link(user, kamal):
    spouse = UserFactory()
    AccountLink.objects.create(user=user, account=kamal)
    AccountLink.objects.create(user=spouse, account=kamal)
    assert account_detach(user=user, account_id=kamal.pk) is True
    assert account_detach(user=user, account_id=kamal.pk) is False
    assert list(AccountLink.objects.values_list("user", flat=True)) == [spouse.pk]
    assert PersonalAccount.objects.filter(pk=kamal.pk).exists()  # the account stays


# --- subscriptions ------------------------------------------------------------------------


def test_subscriptions_are_set_per_link_and_logged_with_the_new_values(user, kamal, caplog):
    AccountLink.objects.create(user=user, account=kamal)
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        link = account_link_subscriptions_set(
            user=user, account_id=kamal.pk, receipts_by_email=True, ip_address="10.0.0.7"
        )
    assert (link.receipts_by_email, link.reading_reminders) == (True, True)  # reminders kept
    stored = AccountLink.objects.get(user=user, account=kamal)
    assert (stored.receipts_by_email, stored.reading_reminders) == (True, True)
    assert (
        f"event=account.subscriptions user_id={user.pk} ip=10.0.0.7 account_id={kamal.pk} "
        "receipts_by_email=1" in caplog.messages
    )


def test_one_switch_is_turned_off_alone_and_an_unchanged_one_is_not_logged(user, kamal, caplog):
    AccountLink.objects.create(user=user, account=kamal, receipts_by_email=True)
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        account_link_subscriptions_set(user=user, account_id=kamal.pk, reading_reminders=False)
        account_link_subscriptions_set(user=user, account_id=kamal.pk, reading_reminders=False)
    stored = AccountLink.objects.get(user=user, account=kamal)
    assert (stored.receipts_by_email, stored.reading_reminders) == (True, False)
    assert len([m for m in caplog.messages if "account.subscriptions" in m]) == 1


def test_nobody_sets_another_users_subscriptions(user, kamal):
    spouse = UserFactory()
    AccountLink.objects.create(user=spouse, account=kamal)
    assert (
        account_link_subscriptions_set(user=user, account_id=kamal.pk, receipts_by_email=True)
        is None
    )
    assert not AccountLink.objects.get(user=spouse).receipts_by_email
    assert not AccountLink.objects.filter(user=user).exists()


# --- the shortcut: attaching by the number typed from a receipt --------------------------


def test_by_number_a_wrong_proof_counts_towards_the_same_lockout(user, kamal):
    from kabinet.housing.services import account_attach_by_number

    for _ in range(5):
        with pytest.raises(AttachRefused):
            account_attach_by_number(user=user, number="1234567", organization_id=None, **WRONG)
    # The sixth try, even with the right proof, and even along the lists, is locked.
    with pytest.raises(AttachRefused) as refusal:
        account_attach_by_number(user=user, number="1234567", organization_id=None, **RIGHT)
    assert refusal.value.code == "locked"
    with pytest.raises(AttachRefused):
        account_attach(user=user, account_id=kamal.pk, **RIGHT)
    assert outcomes(account=kamal) == [Outcome.WRONG_PROOF] * 5 + [Outcome.LOCKED] * 2
    assert not AccountLink.objects.exists()


def test_by_number_the_right_proof_attaches(user, kamal):
    from kabinet.housing.services import account_attach_by_number

    link, created = account_attach_by_number(
        user=user, number="№ 1234 567", organization_id=None, **RIGHT
    )
    assert created and link.account == kamal


def test_by_number_unknown_closed_and_ambiguous_numbers_are_told_apart(user, kamal):
    from kabinet.housing.services import account_attach_by_number

    with pytest.raises(ValidationError) as unknown:
        account_attach_by_number(user=user, number="7654321", organization_id=None, **RIGHT)
    assert unknown.value.code == "unknown_number"
    PersonalAccountFactory(number="7654321", closed_on=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationError) as closed:
        account_attach_by_number(user=user, number="7654321", organization_id=None, **RIGHT)
    assert closed.value.code == "unknown_number"

    other = PersonalAccountFactory(number="1234567")  # the same number elsewhere
    with pytest.raises(ValidationError) as ambiguous:
        account_attach_by_number(user=user, number="1234567", organization_id=None, **RIGHT)
    assert ambiguous.value.code == "ambiguous_number"
    link, _created = account_attach_by_number(
        user=user, number="1234567", organization_id=other.organization_id, **RIGHT
    )
    assert link.account == other
    assert outcomes(account=kamal) == []  # a number not found is not a try at an account


def test_the_daily_purge_removes_attach_attempts_after_180_days(user, kamal, time_machine):
    from django.core.management import call_command

    start = datetime.datetime(2024, 5, 10, 12, 0, tzinfo=MSK)
    time_machine.move_to(start, tick=False)
    with pytest.raises(AttachRefused):
        account_attach(user=user, account_id=kamal.pk, **WRONG)
    time_machine.move_to(start + datetime.timedelta(days=100), tick=False)
    account_attach(user=user, account_id=kamal.pk, **RIGHT)
    time_machine.move_to(start + datetime.timedelta(days=180, seconds=1), tick=False)
    call_command("housing_purge")
    assert outcomes() == [Outcome.ATTACHED]  # the wrong proof is gone, the later try stays
    assert AccountLink.objects.filter(user=user, account=kamal).exists()  # links are untouched

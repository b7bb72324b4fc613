"""The profile's writes: e-mail change, phone, password change, ending sessions, deleting
the user, and the purge of what outlives a user (docs/profile.md)."""

import datetime
import logging

import pytest
import time_machine
from axes.models import AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kabinet.accounts import services, throttle
from kabinet.accounts.models import AccountToken, Consent, LoginFailure, User, UserSession
from kabinet.accounts.selectors import TokenState, token_digest
from kabinet.housing.models import AccountAttachAttempt, AccountLink
from tests.factories import PersonalAccountFactory, UserFactory

from .helpers import PASSWORD, last_mail_link, register

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
NEW_PASSWORD = "Другая-лампа-на-крыльце"
IP = "203.0.113.7"
Purpose = AccountToken.Purpose


def confirm_token() -> str:
    """The token of the confirmation link in the last e-mail."""
    return last_mail_link(r"/email/confirm/[^/]+/$").strip("/").rsplit("/", 1)[1]


def request_change(user, new_email="new.petrova@example.com", password=PASSWORD):
    return services.email_change_request(user=user, new_email=new_email, password=password, ip=IP)


# --- e-mail change ------------------------------------------------------------------------


def test_a_new_address_is_confirmed_by_a_link_sent_to_it_and_the_old_one_is_told(active_user):
    sent = request_change(active_user, new_email="New.Petrova@Example.com")
    assert sent.to == "New.Petrova@example.com"  # the domain is lower-cased, the name is kept
    [message] = mail.outbox
    assert message.to == ["New.Petrova@example.com"]
    assert message.subject == "Подтвердите новый e-mail в личном кабинете жильца"
    assert "Ссылка действует 24 ч." in message.body
    assert User.objects.get(pk=active_user.pk).email == "petrova@example.com"  # not yet

    user = services.email_change_confirm(token=confirm_token(), ip=IP)
    assert User.objects.get(pk=active_user.pk).email == "New.Petrova@example.com" == user.email
    notice = mail.outbox[-1]
    assert notice.to == ["petrova@example.com"]
    assert notice.subject == "E-mail учетной записи в личном кабинете жильца изменен"
    assert "Ne*****@example.com" in notice.body and "New.Petrova" not in notice.body


def test_the_new_address_logs_in_and_the_old_one_no_longer_does(active_user):
    request_change(active_user)
    services.email_change_confirm(token=confirm_token(), ip=IP)
    login = reverse("login")
    old = Client().post(login, {"username": "petrova@example.com", "password": PASSWORD})
    assert old.status_code == 200  # the form again, with its error
    new = Client().post(login, {"username": "NEW.petrova@example.com", "password": PASSWORD})
    assert new.status_code == 302


def test_a_wrong_password_refuses_before_anything_is_said_about_the_address(active_user, caplog):
    UserFactory(email="taken@example.com")
    with caplog.at_level(logging.WARNING, logger="kabinet.security"):
        with pytest.raises(services.PasswordRefused):
            request_change(active_user, new_email="taken@example.com", password="wrong password")
    assert mail.outbox == []
    assert not AccountToken.objects.filter(purpose=Purpose.EMAIL_CHANGE).exists()
    assert (
        f"event=password.refused user_id={active_user.pk} ip={IP} action=email_change"
        in caplog.text
    )
    assert "wrong password" not in caplog.text


@pytest.mark.parametrize("typed", ["taken@example.com", "TAKEN@Example.COM"])
def test_an_address_of_another_user_is_refused_whatever_its_case(active_user, typed):
    UserFactory(email="taken@example.com")
    with pytest.raises(services.EmailChangeRefused) as refused:
        request_change(active_user, new_email=typed)
    assert refused.value.reason == "taken"
    assert mail.outbox == []


def test_the_current_address_is_refused_as_no_change(active_user):
    with pytest.raises(services.EmailChangeRefused) as refused:
        request_change(active_user, new_email="PETROVA@example.com")
    assert refused.value.reason == "same"


def test_one_link_a_minute_and_only_the_latest_works(active_user):
    with time_machine.travel(T0, tick=False) as clock:
        request_change(active_user, new_email="first@example.com")
        first = confirm_token()
        with pytest.raises(services.EmailChangeRefused) as refused:
            request_change(active_user, new_email="second@example.com")
        assert refused.value.reason == "cooldown"
        clock.shift(datetime.timedelta(seconds=61))
        request_change(active_user, new_email="second@example.com")
        second = confirm_token()
        with pytest.raises(services.TokenRefused) as stale:
            services.email_change_confirm(token=first, ip=IP)
        assert stale.value.state is TokenState.USED
        services.email_change_confirm(token=second, ip=IP)
    assert User.objects.get(pk=active_user.pk).email == "second@example.com"


def test_a_link_expires_after_a_day(active_user):
    with time_machine.travel(T0, tick=False) as clock:
        request_change(active_user)
        token = confirm_token()
        clock.shift(datetime.timedelta(hours=24))
        with pytest.raises(services.TokenRefused) as stale:
            services.email_change_confirm(token=token, ip=IP)
    assert stale.value.state is TokenState.EXPIRED
    assert User.objects.get(pk=active_user.pk).email == "petrova@example.com"


def test_a_link_works_once(active_user):
    request_change(active_user)
    token = confirm_token()
    services.email_change_confirm(token=token, ip=IP)
    with pytest.raises(services.TokenRefused) as stale:
        services.email_change_confirm(token=token, ip=IP)
    assert stale.value.state is TokenState.USED


def test_an_address_taken_by_someone_else_meanwhile_is_refused_at_confirmation(active_user):
    request_change(active_user)
    token = confirm_token()
    register(username="Sidorov", email="NEW.PETROVA@example.com")  # registers it in the meantime
    with pytest.raises(services.EmailChangeRefused):
        services.email_change_confirm(token=token, ip=IP)
    assert User.objects.get(pk=active_user.pk).email == "petrova@example.com"


def test_the_change_kills_recovery_links_mailed_to_the_old_address(active_user):
    services.password_reset_request(login="petrova", ip=IP)
    reset = AccountToken.objects.get(purpose=Purpose.PASSWORD_RESET)
    request_change(active_user)
    services.email_change_confirm(token=confirm_token(), ip=IP)
    reset.refresh_from_db()
    assert reset.used_at is not None


def test_email_change_is_logged_without_the_addresses_or_the_token(active_user, caplog):
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        request_change(active_user)
        token = confirm_token()
        services.email_change_confirm(token=token, ip=IP)
    assert (
        f"event=email_change.requested user_id={active_user.pk} ip={IP} result=sent" in caplog.text
    )
    assert f"event=email_change.confirmed user_id={active_user.pk} ip={IP}" in caplog.text
    assert "new.petrova" not in caplog.text and token not in caplog.text


# --- phone --------------------------------------------------------------------------------


def test_a_phone_is_stored_in_e164_and_logged(active_user, caplog):
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        services.phone_change(user=active_user, phone="8 (916) 000-11-22", ip=IP)
    assert User.objects.get(pk=active_user.pk).phone == "+79160001122"
    assert f"event=phone.changed user_id={active_user.pk} ip={IP}" in caplog.text
    assert "9160001122" not in caplog.text


def test_a_landline_is_refused_by_the_service_too(active_user):
    with pytest.raises(ValidationError) as refused:
        services.phone_change(user=active_user, phone="8 (495) 123-45-67", ip=IP)
    assert refused.value.code == "not_mobile"
    assert User.objects.get(pk=active_user.pk).phone == "+79123456789"


# --- password change ----------------------------------------------------------------------


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_password_ends_every_other_session_keeps_this_one_and_mails_a_notice(active_user):
    this, other = logged_in_client(active_user), logged_in_client(active_user)
    profile = reverse("cabinet:profile")
    assert other.get(profile).status_code == 200
    assert UserSession.objects.filter(user=active_user).count() == 2
    response = this.post(
        reverse("cabinet:profile_password"),
        {"current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == profile
    assert this.get(profile).status_code == 200  # still logged in
    assert other.get(profile).status_code == 302  # sent to log in
    assert User.objects.get(pk=active_user.pk).check_password(NEW_PASSWORD)
    [row] = UserSession.objects.filter(user=active_user)
    assert row.key_digest == token_digest(this.session.session_key)  # followed the new key
    [notice] = mail.outbox
    assert notice.to == ["petrova@example.com"]
    assert notice.subject == "Пароль в личном кабинете жильца изменен"
    assert "Все другие сеансы этой учетной записи завершены" in notice.body
    assert "/password/reset/" in notice.body


def test_a_wrong_current_password_changes_nothing(active_user, caplog):
    with caplog.at_level(logging.WARNING, logger="kabinet.security"):
        with pytest.raises(services.PasswordRefused):
            services.password_change(
                user=active_user,
                current_password="wrong",
                new_password=NEW_PASSWORD,
                keep_session_key=None,
                ip=IP,
            )
    assert User.objects.get(pk=active_user.pk).check_password(PASSWORD)
    assert mail.outbox == []
    assert "action=password_change" in caplog.text


def test_a_new_password_cancels_a_pending_email_change(active_user):
    request_change(active_user)
    token = confirm_token()
    services.password_change(
        user=active_user,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        keep_session_key=None,
        ip=IP,
    )
    with pytest.raises(services.TokenRefused):
        services.email_change_confirm(token=token, ip=IP)


# --- ending other sessions ----------------------------------------------------------------


def test_ending_other_sessions_logs_them_out_and_keeps_this_one(active_user, caplog):
    this, other, third = (logged_in_client(active_user) for _ in range(3))
    stranger = UserFactory()
    stranger_client = logged_in_client(stranger)
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        response = this.post(reverse("cabinet:profile_sessions"))
    assert response.status_code == 302
    profile = reverse("cabinet:profile")
    assert this.get(profile).status_code == 200
    assert other.get(profile).status_code == 302 and third.get(profile).status_code == 302
    assert stranger_client.get(profile).status_code == 200  # another user's session stays
    assert UserSession.objects.filter(user=active_user).count() == 1
    assert User.objects.get(pk=active_user.pk).check_password(PASSWORD)  # password unchanged
    assert f"event=sessions.ended user_id={active_user.pk} ip=127.0.0.1 count=2" in caplog.text


def test_a_session_signed_before_the_salt_existed_stays_valid(active_user):
    """The salt joins the session hash only once set: upgrading logs nobody out."""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert active_user.session_salt == ""
    assert active_user.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(
        active_user
    )
    active_user.session_salt = "x" * 32
    assert active_user.get_session_auth_hash() != AbstractBaseUser.get_session_auth_hash(
        active_user
    )


# --- deleting the user --------------------------------------------------------------------


@pytest.fixture
def resident_with_history(active_user):
    """A resident with an account link, an attach attempt, a login record, a lockout counter."""
    account = PersonalAccountFactory()
    AccountLink.objects.create(user=active_user, account=account, receipts_by_email=True)
    AccountAttachAttempt.objects.create(
        user=active_user, account=account, outcome="attached", ip_address=IP
    )
    AccessLog.objects.create(username="Petrova", ip_address=IP, user_agent="Firefox")
    for typed in ("petrova", "Petrova@example.com"):
        throttle.failure_record(scope="site", ip=IP, login=typed)
    services.password_reset_request(login="petrova", ip=IP)
    mail.outbox.clear()
    return active_user, account


def test_deleting_the_user_erases_the_personal_data_and_keeps_what_the_law_asks(
    resident_with_history, caplog, django_capture_on_commit_callbacks
):
    user, account = resident_with_history
    user_pk = user.pk
    consents = list(Consent.objects.filter(user=user).values_list("pk", flat=True))
    assert len(consents) == 2
    with (
        time_machine.travel(T0, tick=False),
        caplog.at_level(logging.INFO, "kabinet.security"),
        django_capture_on_commit_callbacks(execute=True),  # the mail goes after the commit
    ):
        services.user_delete(user=user, password=PASSWORD, ip=IP)

    assert not User.objects.filter(username__iexact="petrova").exists()
    assert not AccountToken.objects.exists() and not UserSession.objects.exists()
    assert not AccountLink.objects.exists()
    assert not AccessLog.objects.exists() and not LoginFailure.objects.exists()
    # Kept: the proofs of consent, without the user, findable by the e-mail's digest.
    kept = Consent.objects.filter(pk__in=consents)
    assert kept.count() == 2
    assert set(kept.values_list("user", "withdrawn_at", "subject_digest")) == {
        (None, T0, token_digest("petrova@example.com"))
    }
    # Kept: the attach attempt (the account's guard), without the user; the account.
    [attempt] = AccountAttachAttempt.objects.all()
    assert (attempt.user_id, attempt.account_id, attempt.ip_address) == (None, account.pk, IP)
    account.refresh_from_db()
    # The confirmation, to the address the account had.
    [message] = mail.outbox
    assert message.to == ["petrova@example.com"]
    assert message.subject == "Учетная запись в личном кабинете жильца удалена"
    assert "согласия" in message.body and "3 г. после удаления" in message.body
    assert f"event=user.deleted user_id={user_pk} ip={IP} by=-" in caplog.text
    assert "petrova" not in caplog.text.lower()


def test_a_wrong_password_deletes_nothing(active_user):
    with pytest.raises(services.PasswordRefused):
        services.user_delete(user=active_user, password="not mine", ip=IP)
    assert User.objects.filter(pk=active_user.pk).exists()
    assert Consent.objects.filter(user=active_user).count() == 2
    assert mail.outbox == []


def test_the_login_and_the_email_are_free_again_at_once(active_user):
    services.user_delete(user=active_user, password=PASSWORD, ip=IP)
    again = register(username="PETROVA", email="Petrova@example.com")
    assert again.pk != active_user.pk
    assert Consent.objects.filter(user=again).count() == 2  # new consents, old proofs apart
    assert Consent.objects.filter(user__isnull=True).count() == 2


def test_staff_history_of_the_user_loses_the_login(active_user):
    staff = UserFactory(is_staff=True, is_superuser=True)
    LogEntry.objects.log_actions(
        user_id=staff.pk, queryset=[active_user], action_flag=CHANGE, change_message="[]"
    )
    user_pk = active_user.pk
    services.user_erase(user=active_user, ip=IP, by=staff)
    [entry] = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User))
    assert entry.object_repr == f"#{user_pk}"


def test_the_admin_deletes_a_user_the_same_way(active_user, client, caplog):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:accounts_user_delete", args=[active_user.pk])
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=active_user.pk).exists()
    assert Consent.objects.filter(user__isnull=True, withdrawn_at__isnull=False).count() == 2
    assert f"event=user.deleted user_id={active_user.pk}" in caplog.text
    assert f"by={staff.pk}" in caplog.text


def test_blocking_a_user_in_the_admin_ends_their_sessions(active_user, client):
    resident = logged_in_client(active_user)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[active_user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "is_active": "",
            "date_joined_0": "25.11.2026",
            "date_joined_1": "09:00:00",
            "consents-TOTAL_FORMS": "2",
            "consents-INITIAL_FORMS": "2",
            "groups": [],
            "user_permissions": [],
        }
    )
    data = {k: v for k, v in data.items() if not isinstance(v, list) or v}
    data.pop("last_login", None)
    for i, consent in enumerate(Consent.objects.filter(user=active_user)):
        data[f"consents-{i}-id"] = consent.pk
        data[f"consents-{i}-user"] = active_user.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=active_user.pk).is_active
    assert not UserSession.objects.filter(user=active_user).exists()
    assert resident.get(reverse("cabinet:profile")).status_code == 302


# --- what outlives the user, and for how long ----------------------------------------------


def test_the_purge_removes_proofs_after_three_years_and_expired_sessions(active_user):
    with time_machine.travel(T0, tick=False) as clock:
        logged_in_client(active_user)
        services.user_delete(user=active_user, password=PASSWORD, ip=IP)
        other = register(username="Sidorov", email="sidorov@example.com")
        other.is_active = True
        other.save()
        logged_in_client(other)  # its session expires in 2 weeks (SESSION_COOKIE_AGE)
        clock.shift(datetime.timedelta(days=15))
        call_command("accounts_purge")
        assert not UserSession.objects.exists()
        assert Consent.objects.filter(user__isnull=True).count() == 2
        clock.move_to(datetime.datetime(2029, 11, 25, 8, 59, tzinfo=datetime.UTC))
        call_command("accounts_purge")
        assert Consent.objects.filter(user__isnull=True).count() == 2
        clock.move_to(datetime.datetime(2029, 11, 25, 9, 0, tzinfo=datetime.UTC))
        call_command("accounts_purge")
        assert not Consent.objects.filter(user__isnull=True).exists()
        assert Consent.objects.filter(user=other).count() == 2  # a live user's consents stay

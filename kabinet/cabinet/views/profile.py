""" "Мой профиль": the account's details, subscriptions, password, sessions, the user's data.

Every page shows and changes the logged-in user's own data only: no URL here names a
user or a link, and the subscriptions form is built from the user's own links. The writes
are the accounts and housing services; each logs itself. docs/profile.md.
"""

import json
import logging

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.accounts import selectors as accounts
from kabinet.accounts import services as account_services
from kabinet.accounts.forms import (
    WRONG_PASSWORD,
    EmailChangeForm,
    PasswordChangeForm,
    PhoneChangeForm,
    UserDeleteForm,
)
from kabinet.accounts.validators import phone_display
from kabinet.cabinet import selectors
from kabinet.cabinet.forms import SubscriptionsForm
from kabinet.core.security import client_ip, log_event
from kabinet.housing import selectors as housing
from kabinet.housing import services as housing_services

GET_POST = require_http_methods(["GET", "POST"])
PASSWORD_FAILURES = "profile_password_failures"  # in the session


def _profile_page(request, subscriptions: SubscriptionsForm | None = None, status=200):
    user = request.user
    links = housing.account_links_for_user(user_id=user.pk)
    context = {
        "phone": phone_display(user.phone),
        "pending_email": accounts.email_change_pending(user=user),
        "links": links,
        "subscriptions": subscriptions or SubscriptionsForm(links),
        "sessions": accounts.user_sessions(
            user=user, current_session_key=request.session.session_key
        ),
    }
    return render(request, "cabinet/profile/profile.html", context, status=status)


@login_required
@require_GET
def profile(request):
    return _profile_page(request)


@login_required
@GET_POST
def subscriptions(request):
    """POST from the profile page's subscriptions form; GET goes back to that page."""
    if request.method == "GET":
        return redirect("cabinet:profile")
    links = housing.account_links_for_user(user_id=request.user.pk)
    form = SubscriptionsForm(links, request.POST)
    if not form.is_valid():  # pragma: no cover - checkboxes accept anything
        return _profile_page(request, subscriptions=form, status=400)
    for account_id, switches in form.wanted().items():
        housing_services.account_link_subscriptions_set(
            user=request.user, account_id=account_id, ip_address=client_ip(request), **switches
        )
    messages.success(request, _("Подписки сохранены."))
    return redirect("cabinet:profile")


def _password_refused(request, form, field: str):
    """A wrong current password: the message next to the field, or after too many in a row
    the session ends (one who stole a session must not guess the password with it)."""
    failures = request.session.get(PASSWORD_FAILURES, 0) + 1
    if failures >= settings.ACCOUNT_PROFILE_PASSWORD_ATTEMPTS:
        log_event(
            "profile.session_ended",
            request=request,
            user_id=request.user.pk,
            level=logging.WARNING,
        )
        auth.logout(request)
        messages.error(
            request,
            _(
                "Слишком много неверных паролей подряд: сеанс завершен. Войдите снова или "
                "восстановите пароль."
            ),
        )
        return redirect("login")
    request.session[PASSWORD_FAILURES] = failures
    form.add_error(field, ValidationError(WRONG_PASSWORD, code="wrong_password"))
    return None


def _password_accepted(request):
    request.session.pop(PASSWORD_FAILURES, None)


@sensitive_post_parameters("password")
@never_cache
@login_required
@GET_POST
def email(request):
    form = EmailChangeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        new_email = form.cleaned_data["email"]
        try:
            sent = account_services.email_change_request(
                user=request.user,
                new_email=new_email,
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except account_services.PasswordRefused:
            if response := _password_refused(request, form, "password"):
                return response
        except account_services.EmailChangeRefused as refused:
            _password_accepted(request)
            form.add_error(
                "email", ValidationError(form.REFUSALS[refused.reason], code=refused.reason)
            )
        else:
            _password_accepted(request)
            if sent:
                until = timezone.localtime(
                    timezone.now() + account_services.email_change_lifetime()
                )
                messages.success(
                    request,
                    _(
                        "Письмо со ссылкой отправлено на %(email)s. Адрес сменится, когда вы "
                        "перейдете по ссылке; она действует до %(until)s."
                    )
                    % {"email": new_email, "until": f"{until:%d.%m.%Y %H:%M}"},
                )
            else:
                messages.error(
                    request,
                    _("Не удалось отправить письмо на %(email)s. Попробуйте еще раз через минуту.")
                    % {"email": new_email},
                )
            return redirect("cabinet:profile")
    return render(request, "cabinet/profile/email.html", {"form": form})


@never_cache
@login_required
@GET_POST
def phone(request):
    initial = {"phone": phone_display(request.user.phone)}
    form = PhoneChangeForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        account_services.phone_change(
            user=request.user, phone=form.cleaned_data["phone"], ip=client_ip(request)
        )
        messages.success(
            request,
            _("Мобильный телефон сохранен: %(phone)s.")
            % {"phone": phone_display(request.user.phone)},
        )
        return redirect("cabinet:profile")
    return render(request, "cabinet/profile/phone.html", {"form": form})


@sensitive_post_parameters("current_password", "password1", "password2")
@never_cache
@login_required
@GET_POST
def password(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            account_services.password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["password1"],
                keep_session_key=request.session.session_key,
                ip=client_ip(request),
            )
        except account_services.PasswordRefused:
            if response := _password_refused(request, form, "current_password"):
                return response
        except ValidationError as error:  # pragma: no cover - the form checked the same rules
            form.add_error("password1", error)
        else:
            _password_accepted(request)
            auth.update_session_auth_hash(request, user)  # this session stays
            messages.success(
                request,
                _(
                    "Пароль изменен. Все другие сеансы завершены; уведомление отправлено "
                    "на ваш e-mail."
                ),
            )
            return redirect("cabinet:profile")
    return render(request, "cabinet/profile/password.html", {"form": form})


@never_cache
@login_required
@GET_POST
def sessions(request):
    if request.method == "POST":
        ended = account_services.sessions_end_others(
            user=request.user,
            keep_session_key=request.session.session_key,
            ip=client_ip(request),
        )
        auth.update_session_auth_hash(request, request.user)  # this session stays
        messages.success(
            request,
            _("Все другие сеансы завершены (%(count)d).") % {"count": ended}
            if ended
            else _("Других сеансов не было; на всякий случай все прежние входы недействительны."),
        )
        return redirect("cabinet:profile_sessions")
    found = accounts.user_sessions(
        user=request.user, current_session_key=request.session.session_key
    )
    return render(request, "cabinet/profile/sessions.html", {"sessions": found})


@never_cache
@login_required
@require_GET
def data(request):
    """ "Скачать мои данные": a JSON file with everything Kabinet holds about the user."""
    export = selectors.personal_data_export(user=request.user)
    log_event("profile.data_exported", request=request, user_id=request.user.pk)
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"kabinet-personal-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@sensitive_post_parameters("password")
@never_cache
@login_required
@GET_POST
def delete(request):
    """Deleting one's own user; staff are deleted by an administrator, not here (a company
    must not lose its last administrator to a click)."""
    staff = request.user.is_staff
    form = UserDeleteForm(request.POST if request.method == "POST" and not staff else None)
    if form.is_bound and form.is_valid():
        email = request.user.email
        try:
            account_services.user_delete(
                user=request.user, password=form.cleaned_data["password"], ip=client_ip(request)
            )
        except account_services.PasswordRefused:
            if response := _password_refused(request, form, "password"):
                return response
        else:
            auth.logout(request)
            messages.success(
                request,
                _(
                    "Учетная запись удалена. Подтверждение отправлено на %(email)s. Имя "
                    "пользователя и e-mail снова свободны для регистрации."
                )
                % {"email": email},
            )
            return redirect("home")
    context = {
        "form": form,
        "staff": staff,
        "retention_years": settings.ACCOUNT_CONSENT_PROOF_RETENTION_YEARS,
        "links": housing.account_links_for_user(user_id=request.user.pk),
    }
    status = 403 if staff and request.method == "POST" else 200
    return render(request, "cabinet/profile/delete.html", context, status=status)

"""Registration, activation, login, logout, password recovery and the link confirming a
new e-mail address: thin function views. (The profile's pages are in cabinet/views/profile.py.)"""

from pathlib import Path

from django.conf import settings
from django.contrib import auth, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from kabinet.core.security import client_ip

from . import legal, selectors, services
from .forms import (
    LOGIN_MAX_LENGTH,
    LoginForm,
    LoginLookupForm,
    NewPasswordForm,
    RegistrationForm,
)
from .models import AccountToken
from .selectors import TokenState

REGISTERED_SESSION_KEY = "kabinet_registered"
RESET_SESSION_KEY = "kabinet_password_reset_token"
ACTIVATION_SESSION_KEY = "kabinet_activation_token"
EMAIL_CHANGE_SESSION_KEY = "kabinet_email_change_token"

GET_POST = require_http_methods(["GET", "POST"])


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- login and logout ------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@GET_POST
def login_view(request):
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)  # a URL, never a view name
    if request.method == "POST" and "captcha_refresh" in request.POST:
        # "Загрузить новый код" without JavaScript: the login kept, a new picture.
        typed = request.POST.get("username", "")[:LOGIN_MAX_LENGTH]
        form = LoginForm(request, initial={"username": typed})
        form.ask_captcha()
        return render(request, "registration/login.html", {"form": form, "next": next_url})
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        # The expiry first: login keeps it, and the session's row (accounts/sessions.py),
        # made at login, records the session's real lifetime.
        request.session.set_expiry(
            settings.ACCOUNT_REMEMBER_ME_AGE if form.cleaned_data["remember"] else 0
        )
        auth.login(request, form.get_user())  # a new session id
        return HttpResponseRedirect(next_url)  # a URL, never a view name
    # Locked (accounts.throttle): the page again, the lock explained among the errors.
    status = 429 if form.locked_until else 200
    return render(
        request, "registration/login.html", {"form": form, "next": next_url}, status=status
    )


@GET_POST
def logout_view(request):
    """GET asks, POST logs out: the session is deleted on the server."""
    if request.method == "POST":
        auth.logout(request)
        messages.info(request, _("Вы вышли из личного кабинета."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout.html")


# --- registration and activation ---------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@never_cache
@GET_POST
def register(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST" and "captcha_refresh" in request.POST:
        # "Загрузить новый код" without JavaScript: same page, entered values kept.
        kept = {name: request.POST.get(name, "") for name in RegistrationForm.kept_fields}
        return render(request, "accounts/register.html", {"form": RegistrationForm(initial=kept)})
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            registered = services.user_register(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                phone=data["phone"],
                accepted=[legal.TERMS, legal.PERSONAL_DATA],
                ip=client_ip(request),
            )
        except services.RegistrationConflict as conflict:
            form.add_error(conflict.field, form.taken_error(conflict.field))
        else:
            # The mail is queued (the task worker sends it): the page says so.
            request.session[REGISTERED_SESSION_KEY] = {"email": registered.user.email}
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def _demo_mail_dir() -> str | None:
    """Where the demo writes mail, shown in the demo only (`make run` sets DEBUG): a
    server's file paths are nobody's business on a real site."""
    mailer = settings.MAILERS.get("default", {})
    if not settings.DEBUG or mailer.get("BACKEND") != "kabinet.accounts.mail.EmlFileBackend":
        return None
    path = Path(mailer.get("OPTIONS", {}).get("file_path", settings.MAIL_DIR)).resolve()
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


@never_cache
def register_done(request):
    registered = request.session.get(REGISTERED_SESSION_KEY) or {}
    context = {
        "email": registered.get("email"),
        "sent": registered.get("sent", True),
        "mail_dir": _demo_mail_dir(),
        "valid_days": services.activation_lifetime().days,
    }
    return render(request, "accounts/register_done.html", context)


def _token_status(state: TokenState) -> int:
    return 404 if state is TokenState.INVALID else 410


def _stash_token(request, key: str, token: str) -> None:
    """Keep a link's token in the session and take it out of the address.

    The page behind the redirect has no secret in its URL: nothing leaks through the
    browser history, a Referer header or the server's request logs.
    """
    request.session[key] = token if len(token) <= selectors.TOKEN_MAX_LENGTH else ""


@never_cache
def activate_link(request, token):
    """The link from the e-mail: stash the token, show the activation page."""
    _stash_token(request, ACTIVATION_SESSION_KEY, token)
    return redirect("accounts:activate")


@never_cache
@GET_POST
def activate(request):
    """GET shows a button, POST activates: mail scanners that open links activate nothing."""
    token = request.session.get(ACTIVATION_SESSION_KEY, "")
    if request.method == "POST":
        try:
            services.user_activate(token=token, ip=client_ip(request))
        except services.TokenRefused as refused:
            context = {"state": refused.state.value}
            return render(
                request, "accounts/activate.html", context, status=_token_status(refused.state)
            )
        request.session.pop(ACTIVATION_SESSION_KEY, None)
        messages.success(
            request, _("Учетная запись активирована. Войдите с именем пользователя и паролем.")
        )
        return redirect("login")
    check = selectors.token_check(token=token, purpose=AccountToken.Purpose.ACTIVATION)
    state = check.state
    if check.valid and not (check.token.user.is_active or check.token.user.can_self_activate):
        state = TokenState.INVALID  # blocked by staff after the link was sent
    status = 200 if state is TokenState.VALID else _token_status(state)
    return render(request, "accounts/activate.html", {"state": state.value}, status=status)


@never_cache
@GET_POST
def activation_resend(request):
    """ "Не пришло письмо?": the same answer whatever login or address is given."""
    initial = {"login": request.GET.get("login", "")[:LOGIN_MAX_LENGTH]}
    form = LoginLookupForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        services.activation_resend(login=form.cleaned_data["login"], ip=client_ip(request))
        return redirect("accounts:activation_resend_done")
    return render(request, "accounts/activation_resend.html", {"form": form})


def activation_resend_done(request):
    return render(
        request,
        "accounts/activation_resend_done.html",
        {"valid_days": services.activation_lifetime().days},
    )


# --- password recovery -------------------------------------------------------------


@never_cache
@GET_POST
def password_reset(request):
    """ "Забыли пароль?": the same answer whatever login or address is given."""
    form = LoginLookupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        services.password_reset_request(login=form.cleaned_data["login"], ip=client_ip(request))
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request):
    minutes = int(services.password_reset_lifetime().total_seconds() // 60)
    return render(request, "accounts/password_reset_done.html", {"valid_minutes": minutes})


@never_cache
def password_reset_link(request, token):
    """The link from the e-mail: stash the token, show the new-password page."""
    _stash_token(request, RESET_SESSION_KEY, token)
    return redirect("accounts:password_reset_set")


def _reset_refused(request, state: TokenState):
    request.session.pop(RESET_SESSION_KEY, None)
    return render(
        request,
        "accounts/password_reset_invalid.html",
        {"state": state.value},
        status=_token_status(state),
    )


@sensitive_post_parameters("password1", "password2")
@never_cache
@GET_POST
def password_reset_set(request):
    token = request.session.get(RESET_SESSION_KEY, "")
    check = selectors.token_check(token=token, purpose=AccountToken.Purpose.PASSWORD_RESET)
    user = services.password_reset_user(token=token) if check.valid else None
    if user is None:
        return _reset_refused(request, TokenState.INVALID if check.valid else check.state)
    form = NewPasswordForm(user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.password_reset_complete(
                token=token, password=form.cleaned_data["password1"], ip=client_ip(request)
            )
        except services.TokenRefused as refused:
            return _reset_refused(request, refused.state)
        if request.user.is_authenticated:
            auth.logout(request)  # this session ends as well as every other one
        else:
            request.session.pop(RESET_SESSION_KEY, None)
        messages.success(request, _("Пароль изменен. Войдите с новым паролем."))
        return redirect("login")
    return render(request, "accounts/password_reset_set.html", {"form": form, "user_obj": user})


# --- confirming a new e-mail address -------------------------------------------------


@never_cache
def email_change_link(request, token):
    """The link mailed to the new address: stash the token, show the confirmation page."""
    _stash_token(request, EMAIL_CHANGE_SESSION_KEY, token)
    return redirect("accounts:email_change_confirm")


@never_cache
@GET_POST
def email_change_confirm(request):
    """GET shows the new address and a button, POST confirms (mail scanners change nothing).

    No login is needed: the link proves the new address, and the change was asked for
    with the account's password.
    """
    token = request.session.get(EMAIL_CHANGE_SESSION_KEY, "")
    if request.method == "POST":
        try:
            user = services.email_change_confirm(token=token, ip=client_ip(request))
        except services.TokenRefused as refused:
            context = {"state": refused.state.value}
            return render(
                request,
                "accounts/email_change_confirm.html",
                context,
                status=_token_status(refused.state),
            )
        except services.EmailChangeRefused:
            return render(
                request, "accounts/email_change_confirm.html", {"state": "taken"}, status=409
            )
        request.session.pop(EMAIL_CHANGE_SESSION_KEY, None)
        messages.success(
            request,
            _("Адрес %(email)s подтвержден и теперь указан в профиле.") % {"email": user.email},
        )
        # Back to the profile of the one whose address it is; anyone else (the link may be
        # opened where another user is logged in) to the home page.
        if request.user.is_authenticated:
            return redirect("cabinet:profile" if request.user.pk == user.pk else "home")
        return redirect("login")
    check = selectors.token_check(token=token, purpose=AccountToken.Purpose.EMAIL_CHANGE)
    state = check.state
    if check.valid and services.email_change_user(token=token) is None:
        state = TokenState.INVALID  # blocked by staff after the link was sent
    context = {"state": state.value, "new_email": check.token.new_email if check.valid else ""}
    status = 200 if state is TokenState.VALID else _token_status(state)
    return render(request, "accounts/email_change_confirm.html", context, status=status)


# --- legal texts ---------------------------------------------------------------------


def legal_document(request, kind):
    document = legal.CURRENT.get(kind.replace("-", "_"))
    if document is None:
        raise Http404
    return render(request, "accounts/legal/document.html", {"document": document})

"""Forms of registration, login, password recovery and the profile; every message in Russian."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from kabinet.core.captcha import CaptchaDescribedMixin, captcha_field
from kabinet.core.security import client_ip

from . import selectors, throttle
from .models import LoginFailure, User
from .validators import (
    PHONE_INPUT_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    phone_normalize,
    username_normalize,
    validate_username,
)

LOGIN_MAX_LENGTH = 254  # a login or an e-mail address

REQUIRED = _("Заполните это поле.")

PASSWORD_HELP = _(
    "От 8 до 128 символов: любые буквы (русские и латинские), цифры, пробелы и знаки. "
    "Не подойдут распространенные пароли, пароли только из цифр и пароли, похожие на "
    "имя пользователя или e-mail. Длинная фраза из нескольких слов надежнее короткого "
    "набора символов."
)


def _password_fields(label1, label2):
    first = forms.CharField(
        label=label1,
        strip=False,
        help_text=PASSWORD_HELP,
        error_messages={"required": _("Придумайте пароль.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    second = forms.CharField(
        label=label2,
        strip=False,
        help_text=_("Введите пароль еще раз, для исключения возможности ошибки."),
        error_messages={"required": _("Повторите пароль.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    return first, second


def _phone_field():
    """The mobile phone of registration and of the profile (validators.phone_normalize)."""
    return forms.CharField(
        label=_("Мобильный телефон"),
        help_text=_("Номер мобильного телефона, например 8 (912) 345-67-89."),
        error_messages={"required": _("Укажите номер мобильного телефона.")},
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "maxlength": PHONE_INPUT_MAX_LENGTH}
        ),
    )


class PasswordPairMixin:
    """Two password fields: equal, and acceptable to the validators for this user."""

    password_fields = ("password1", "password2")

    @sensitive_variables("first", "second")
    def check_passwords(self, user: User) -> None:
        name1, name2 = self.password_fields
        first = self.cleaned_data.get(name1)
        second = self.cleaned_data.get(name2)
        if first:
            try:
                password_validation.validate_password(first, user)
            except ValidationError as error:
                self.add_error(name1, error)
        if first and second and first != second:
            self.add_error(name2, ValidationError(_("Пароли не совпадают."), code="mismatch"))


class RegistrationForm(CaptchaDescribedMixin, PasswordPairMixin, forms.Form):
    """Fig. 2 "Введите регистрационные данные"."""

    username = forms.CharField(
        label=_("Имя пользователя"),
        help_text=_(
            "Русские или латинские буквы (одного алфавита), цифры, дефис или подчеркивание; "
            "начинается с буквы; "
            "не более 30 символов."
        ),
        error_messages={"required": _("Придумайте имя пользователя.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "maxlength": USERNAME_MAX_LENGTH,
            }
        ),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("Адрес электронной почты: на него придет ссылка для активации."),
        error_messages={
            "required": _("Укажите адрес электронной почты."),
            "invalid": _("Введите адрес электронной почты, например ivanov@mail.ru."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1, password2 = _password_fields(_("Пароль"), _("Подтверждение пароля"))
    phone = _phone_field()
    captcha = captcha_field()
    accept_terms = forms.BooleanField(
        label=_("Принимаю соглашение об использовании личного кабинета"),
        error_messages={"required": _("Без принятия соглашения регистрация невозможна.")},
    )
    accept_personal_data = forms.BooleanField(
        label=_("Даю согласие на обработку моих персональных данных"),
        error_messages={
            "required": _(
                "Без согласия на обработку персональных данных (152-ФЗ) регистрация невозможна."
            )
        },
    )

    # Kept when the page is shown again (after errors or a new CAPTCHA); never passwords.
    kept_fields = ("username", "email", "phone", "accept_terms", "accept_personal_data")

    def clean_username(self):
        username = username_normalize(self.cleaned_data["username"])
        validate_username(username)
        return username

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"].strip())

    def clean_phone(self):
        return phone_normalize(self.cleaned_data["phone"].strip())

    def clean(self):
        cleaned = super().clean()
        username, email = cleaned.get("username"), cleaned.get("email")
        self.check_passwords(User(username=username or "", email=email or ""))
        # Taken logins and addresses are told only to someone who solved the CAPTCHA,
        # so the form cannot be used to test addresses in bulk.
        if "captcha" not in self.errors:
            if username and selectors.username_exists(username=username):
                self.add_error("username", self.taken_error("username"))
            elif username and selectors.username_confusable(username=username):
                self.add_error("username", self.taken_error("confusable"))
            if email and selectors.email_exists(email=email):
                self.add_error("email", self.taken_error("email"))
        return cleaned

    @staticmethod
    def taken_error(field: str) -> ValidationError:
        if field == "confusable":
            return ValidationError(
                _(
                    "Это имя пользователя похоже на уже занятое (одинаковые на вид русские и "
                    "латинские буквы, цифры 0 и 1). Выберите другое."
                ),
                code="confusable",
            )
        if field == "username":
            return ValidationError(
                _("Это имя пользователя уже занято (регистр букв не важен). Выберите другое."),
                code="taken",
            )
        return ValidationError(
            _(
                "Этот e-mail уже зарегистрирован. Если это ваш адрес, войдите или "
                "восстановите пароль."
            ),
            code="taken",
        )


def _login_captcha_field():
    """The one CAPTCHA field (core.captcha), saying why the login form asks for it."""
    field = captcha_field()
    field.help_text = _(
        "Было несколько неудачных попыток входа: введите шесть цифр с картинки. Если их "
        "не разобрать, нажмите «Прослушать код»."
    )
    return field


class ThrottledLoginMixin:
    """Login throttling (accounts.throttle) for a login form built on AuthenticationForm.

    After a few failures the form asks for a CAPTCHA, and the password is not checked
    until it is solved (no hashing work for a guesser). A lock of the address refuses
    the try at once: `locked_until` says until when, the view answers 429.
    """

    scope = LoginFailure.Scope.SITE

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.ip = client_ip(request) if request is not None else None
        self.locked_until = None
        login = self.data.get("username") if self.is_bound else None
        self.verdict = throttle.verdict(scope=self.scope, ip=self.ip, login=login)
        if self.verdict.captcha:
            self.ask_captcha()

    def ask_captcha(self) -> None:
        if "captcha" not in self.fields:
            self.fields["captcha"] = _login_captcha_field()

    def clean(self):
        if self.verdict.locked_until:
            self.locked_until = self.verdict.locked_until
            raise ValidationError(self.locked_message(), code="locked")
        if "captcha" in self._errors:
            return self.cleaned_data  # the password waits for the CAPTCHA
        username = self.cleaned_data.get("username")
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                after = throttle.failure_record(scope=self.scope, ip=self.ip, login=username)
                if after.captcha:
                    self.ask_captcha()
                if after.locked_until:
                    self.locked_until = after.locked_until
                    raise ValidationError(self.locked_message(), code="locked") from error
            raise
        if username and self.user_cache is not None:
            throttle.failures_forget(login=username, ip=self.ip)
        return cleaned

    def locked_message(self) -> str:
        until = timezone.localtime(self.locked_until)
        return _(
            "Слишком много неудачных попыток входа с этого адреса. Вход отсюда временно "
            "заблокирован: повторите после %(time)s или восстановите пароль."
        ) % {"time": until.strftime("%H:%M")}


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Fig. 3: "Имя пользователя" (or the e-mail), "Пароль", "Запомнить?"."""

    username = UsernameField(
        label=_("Имя пользователя"),
        help_text=_("Или адрес e-mail, указанный при регистрации."),
        error_messages={"required": _("Введите имя пользователя или e-mail.")},
        widget=forms.TextInput(attrs={"autofocus": True, "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Пароль"),
        strip=False,
        error_messages={"required": _("Введите пароль.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember = forms.BooleanField(
        label=_("Запомнить?"),
        required=False,
        help_text=_("Не выходить 30 дней на этом устройстве. Не отмечайте на чужом компьютере."),
    )

    error_messages = {
        "invalid_login": _(
            "Неверное имя пользователя или пароль. Проверьте раскладку клавиатуры и Caps Lock."
        ),
        "inactive": _("Учетная запись заблокирована. Обратитесь в управляющую организацию."),
        "pending": _(
            "Учетная запись еще не активирована. Перейдите по ссылке из письма, "
            "отправленного при регистрации, или получите новую ссылку."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # The e-mail is a login too: room for an address, not just for a login.
        self.fields["username"].max_length = LOGIN_MAX_LENGTH
        self.fields["username"].widget.attrs["maxlength"] = LOGIN_MAX_LENGTH
        self.pending_user = None

    def full_clean(self):
        super().full_clean()
        # "Неверное имя пользователя или пароль" is about both boxes: mark them invalid and
        # described by that message (the summary's "form_errors", includes/form_errors.html).
        if self.non_field_errors():
            for name in ("username", "password"):
                if name in self._errors:
                    continue
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                described = (
                    [f"{self[name].auto_id}_helptext"] if self.fields[name].help_text else []
                )
                attrs["aria-describedby"] = " ".join([*described, "form_errors"])

    def clean_username(self):
        # AuthenticationForm sets max_length after the field is built: no validator checks it.
        username = self.cleaned_data["username"].strip()
        if len(username) > LOGIN_MAX_LENGTH:
            raise ValidationError(
                _("Не более %(max)d символов."),
                code="max_length",
                params={"max": LOGIN_MAX_LENGTH},
            )
        return username

    def confirm_login_allowed(self, user):
        if user.is_active:
            return
        if user.can_self_activate:
            self.pending_user = user
            raise ValidationError(self.error_messages["pending"], code="pending")
        raise ValidationError(self.error_messages["inactive"], code="inactive")


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The back office's login: counted apart, with stricter limits (settings)."""

    scope = LoginFailure.Scope.ADMIN


class LoginLookupForm(forms.Form):
    """One field naming an account: "не пришло письмо?" and "Забыли пароль?"."""

    login = forms.CharField(
        label=_("Имя пользователя или e-mail"),
        max_length=LOGIN_MAX_LENGTH,
        error_messages={
            "required": _("Введите имя пользователя или e-mail."),
            "max_length": _("Не более %(limit_value)d символов."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_login(self):
        return selectors.login_clean(self.cleaned_data["login"])


class NewPasswordForm(PasswordPairMixin, forms.Form):
    password1, password2 = _password_fields(_("Новый пароль"), _("Подтверждение пароля"))

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        self.check_passwords(self.user)
        return cleaned


# --- the profile -----------------------------------------------------------------------
# Rules the database must see (a wrong current password, a taken address) are decided by
# the services; the views put their refusals next to the fields named here.


def current_password_field(help_text=None) -> forms.CharField:
    return forms.CharField(
        label=_("Текущий пароль"),
        strip=False,
        help_text=help_text,
        error_messages={"required": _("Введите текущий пароль.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


WRONG_PASSWORD = _("Неверный пароль. Проверьте раскладку клавиатуры и Caps Lock.")


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("Новый e-mail"),
        max_length=254,
        help_text=_(
            "На этот адрес придет письмо со ссылкой: адрес сменится, когда вы по ней перейдете."
        ),
        error_messages={
            "required": _("Укажите новый адрес электронной почты."),
            "invalid": _("Введите адрес электронной почты, например ivanov@mail.ru."),
            "max_length": _("Не более %(limit_value)d символов."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = current_password_field(_("Чтобы никто, кроме вас, не сменил адрес."))

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"].strip())

    REFUSALS = {
        "same": _("Это ваш текущий адрес. Укажите другой."),
        "taken": _("Этот e-mail уже используется другой учетной записью. Укажите другой адрес."),
        "cooldown": _(
            "Письмо со ссылкой только что отправлено. Подождите минуту и попробуйте снова."
        ),
    }


class PhoneChangeForm(forms.Form):
    phone = _phone_field()

    def clean_phone(self):
        return phone_normalize(self.cleaned_data["phone"].strip())


class PasswordChangeForm(NewPasswordForm):
    current_password = current_password_field()
    field_order = ["current_password", "password1", "password2"]

    def clean(self):
        cleaned = super().clean()
        current, new = cleaned.get("current_password"), cleaned.get("password1")
        if current and new and current == new and "password1" not in self.errors:
            self.add_error(
                "password1",
                ValidationError(
                    _("Новый пароль должен отличаться от текущего."), code="unchanged"
                ),
            )
        return cleaned


class UserDeleteForm(forms.Form):
    password = current_password_field(_("Удаление нельзя отменить: подтвердите его паролем."))

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class KabinetUserManager(UserManager):
    def with_username(self, username):
        """The user with this login, in any case: "Ivanov" and "ivanov" are one person."""
        # `Lower(...) = lower(value)` rather than `__iexact`: it uses the expression index
        # on PostgreSQL and is Unicode-aware on SQLite too (see accounts/sqlite.py).
        return self.alias(username_ci=Lower("username")).filter(username_ci=str(username).lower())

    def get_by_natural_key(self, username):
        return self.with_username(username).get()


class User(AbstractUser):
    """A person using Kabinet: a resident or a member of the company's staff.

    The login is `username`; e-mail and mobile phone (E.164, "+79123456789") are
    unique regardless of case where given.

    A resident who registered on the site is inactive with `activation_pending` set
    until they follow the link from the activation e-mail. An inactive user without
    `activation_pending` was blocked by staff and cannot reactivate themselves.
    """

    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("мобильный телефон"), max_length=16, blank=True)
    activation_pending = models.BooleanField(
        _("ожидает активации"),
        default=False,
        help_text=_("Зарегистрировался на сайте и еще не перешел по ссылке из письма."),
    )
    # Part of every session's proof (get_session_auth_hash): a new salt ends every
    # session but the one that is re-signed (docs/profile.md, "Active sessions").
    session_salt = models.CharField(max_length=32, blank=True, editable=False)
    # The login's shape (validators.username_skeleton), kept in step by save(): a new
    # login that looks like an existing one ("аdmin", "ОРЕRАТОR") is refused.
    username_skeleton = models.CharField(max_length=150, blank=True, editable=False)

    objects = KabinetUserManager()

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_ci_unique",
            ),
        ]
        indexes = [models.Index(fields=["username_skeleton"], name="user_username_skeleton")]

    def save(self, *args, **kwargs):
        from .validators import username_skeleton

        skeleton = username_skeleton(self.username or "")
        if skeleton != self.username_skeleton:
            self.username_skeleton = skeleton
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "username" in update_fields:
                kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)

    def __str__(self):
        return self.username

    @property
    def can_self_activate(self) -> bool:
        return self.activation_pending and not self.is_active

    # Django signs each session with an HMAC of the password hash, so a new password
    # ends every session. The salt adds a way to end them without a new password.
    # Without a salt the HMAC is Django's own, so sessions signed before the salt existed
    # stay valid.
    _SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

    def _session_hash(self, secret=None) -> str:
        value = f"{self.password}:{self.session_salt}" if self.session_salt else self.password
        return salted_hmac(
            self._SESSION_HASH_SALT, value, secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_session_auth_hash(self):
        return self._session_hash()

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)


class AccountToken(models.Model):
    """A single-use secret sent by e-mail: account activation, password recovery, or the
    confirmation of a new e-mail address (sent to that address, kept in `new_email`).

    Only the SHA-256 digest of the token is stored; the token itself exists in the
    e-mail alone. A token is good until `expires_at` and only once (`used_at`).
    """

    class Purpose(models.TextChoices):
        ACTIVATION = "activation", _("активация учетной записи")
        PASSWORD_RESET = "password_reset", _("восстановление пароля")
        EMAIL_CHANGE = "email_change", _("подтверждение нового e-mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_tokens",
        verbose_name=_("пользователь"),
    )
    purpose = models.CharField(_("назначение"), max_length=20, choices=Purpose.choices)
    digest = models.CharField(_("отпечаток (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("создан"), default=timezone.now)
    expires_at = models.DateTimeField(_("действует до"))
    used_at = models.DateTimeField(_("использован"), null=True, blank=True)
    new_email = models.EmailField(_("новый e-mail"), blank=True)

    class Meta:
        verbose_name = _("одноразовая ссылка")
        verbose_name_plural = _("одноразовые ссылки")
        indexes = [
            models.Index(
                fields=["user", "purpose", "created_at"], name="token_user_purpose_created"
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()}: {self.user_id}"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class Consent(models.Model):
    """A resident's acceptance of a legal text: which text, which version, when, from where.

    When the user is deleted the record stays as the proof of consent (152-ФЗ ст. 9 ч. 3
    puts the burden of proof on the operator), without the user: `withdrawn_at` is set and
    `subject_digest` (SHA-256 of the e-mail in lower case) lets the person's own address
    find it again. It is purged ACCOUNT_CONSENT_PROOF_RETENTION after the withdrawal
    (docs/profile.md).
    """

    class Document(models.TextChoices):
        TERMS = "terms", _("соглашение об использовании личного кабинета")
        PERSONAL_DATA = "personal_data", _("согласие на обработку персональных данных")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("пользователь"),
    )
    document = models.CharField(_("документ"), max_length=20, choices=Document.choices)
    version = models.CharField(_("редакция"), max_length=20)
    accepted_at = models.DateTimeField(_("принято"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(
        _("отозвано"),
        null=True,
        blank=True,
        help_text=_("Учетная запись удалена; запись хранится как доказательство согласия."),
    )
    subject_digest = models.CharField(
        _("отпечаток e-mail (SHA-256)"), max_length=64, blank=True, db_index=True
    )

    class Meta:
        verbose_name = _("согласие")
        verbose_name_plural = _("согласия")
        ordering = ["user", "document", "-accepted_at"]

    def __str__(self):
        return f"{self.get_document_display()} ({self.version})"


class UserSession(models.Model):
    """Where a user is logged in: one row per live session, for "Активные сеансы".

    Django's session store knows neither the device nor when a session was last used;
    this row does. The session key itself is not stored, only its SHA-256 digest, so
    neither the table nor the admin can be used to take over a session. Rows are
    written by `accounts.services.session_touch` (from the middleware, at most every
    ACCOUNT_SESSION_TOUCH_INTERVAL seconds per session) and removed at logout, when
    sessions are ended and when they have expired (docs/profile.md).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tracked_sessions",
        verbose_name=_("пользователь"),
    )
    key_digest = models.CharField(
        _("отпечаток ключа сеанса (SHA-256)"), max_length=64, unique=True
    )
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    user_agent = models.CharField(_("браузер (User-Agent)"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("вход"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("последняя активность"), default=timezone.now)
    expires_at = models.DateTimeField(_("истекает"))

    class Meta:
        verbose_name = _("сеанс")
        verbose_name_plural = _("сеансы")
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="user_session_user_expires")]

    def __str__(self):
        return f"{self.user_id}: {self.last_seen_at:%d.%m.%Y %H:%M}"


class LoginFailure(models.Model):
    """One failed login, counted by address, by address and login, and by login.

    What was typed as the login is not stored: only a keyed digest of the account's key
    (`accounts.throttle.login_digest`: the login of a known account whatever was typed,
    the typed text of an unknown one, which people fill with passwords by mistake).
    Rows older than ACCOUNT_LOGIN_FAILURE_RETENTION go with `manage.py accounts_purge`
    (docs/security.md, "Login throttling").
    """

    class Scope(models.TextChoices):
        SITE = "site", _("личный кабинет")
        ADMIN = "admin", _("управление")

    scope = models.CharField(_("вход"), max_length=8, choices=Scope.choices)
    login_digest = models.CharField(_("отпечаток имени (HMAC-SHA256)"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    created_at = models.DateTimeField(_("время"), default=timezone.now)

    class Meta:
        verbose_name = _("неудачный вход")
        verbose_name_plural = _("неудачные входы")
        indexes = [
            models.Index(fields=["login_digest", "created_at"], name="login_failure_login"),
            models.Index(fields=["ip_address", "created_at"], name="login_failure_address"),
            models.Index(fields=["created_at"], name="login_failure_time"),
        ]

    def __str__(self):
        return f"{self.scope} {self.ip_address} {self.created_at:%d.%m.%Y %H:%M}"

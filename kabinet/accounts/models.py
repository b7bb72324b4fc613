from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
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

    def __str__(self):
        return self.username

    @property
    def can_self_activate(self) -> bool:
        return self.activation_pending and not self.is_active


class AccountToken(models.Model):
    """A single-use secret sent by e-mail: account activation or password recovery.

    Only the SHA-256 digest of the token is stored; the token itself exists in the
    e-mail alone. A token is good until `expires_at` and only once (`used_at`).
    """

    class Purpose(models.TextChoices):
        ACTIVATION = "activation", _("активация учетной записи")
        PASSWORD_RESET = "password_reset", _("восстановление пароля")

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
    """A resident's acceptance of a legal text: which text, which version, when, from where."""

    class Document(models.TextChoices):
        TERMS = "terms", _("соглашение об использовании личного кабинета")
        PERSONAL_DATA = "personal_data", _("согласие на обработку персональных данных")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("пользователь"),
    )
    document = models.CharField(_("документ"), max_length=20, choices=Document.choices)
    version = models.CharField(_("редакция"), max_length=20)
    accepted_at = models.DateTimeField(_("принято"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)

    class Meta:
        verbose_name = _("согласие")
        verbose_name_plural = _("согласия")
        ordering = ["user", "document", "-accepted_at"]

    def __str__(self):
        return f"{self.get_document_display()} ({self.version})"

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class KabinetUserManager(UserManager):
    def get_by_natural_key(self, username):
        # Logins are unique regardless of case: "Ivanov" and "ivanov" are one person.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person using Kabinet: a resident or a member of the company's staff.

    The login is `username`; e-mail and mobile phone (E.164, "+79123456789") are
    unique regardless of case where given.
    """

    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("мобильный телефон"), max_length=16, blank=True)

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

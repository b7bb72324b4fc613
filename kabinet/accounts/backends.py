"""Authentication backends: login by username or e-mail, throttled by django-axes."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from .models import User
from .selectors import user_find_by_login


class ThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Web logins always pass the request and are throttled. A call without a request
    (a management command, `Client.login()` in a test) is not a web login attempt and
    is left to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginBackend(ModelBackend):
    """ "Имя пользователя" may be the login or the e-mail, in any case.

    An inactive user with the right password is returned, so that the login form can
    say "activate your account" to the one person who knows the password (the form
    refuses the login; `get_user` never restores an inactive user's session). With a
    wrong password the answer is the same for every login, known or not.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not isinstance(username, str) or password is None:
            return None
        user = user_find_by_login(login=username)
        if user is None:
            # Hash anyway, so an unknown login takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password):
            return user
        return None

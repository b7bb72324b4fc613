from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kabinet.accounts"
    verbose_name = _("Пользователи")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import security, sessions, sqlite

        connection_created.connect(sqlite.register_unicode_lower, dispatch_uid="kabinet_lower")
        security.connect_signals()
        sessions.connect_signals()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "kabinet.billing"
    verbose_name = _("Начисления и платежи")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import sql

        connection_created.connect(
            sql.register_sqlite_functions, dispatch_uid="kabinet_billing_sql"
        )

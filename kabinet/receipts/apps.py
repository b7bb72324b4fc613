from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiptsConfig(AppConfig):
    name = "kabinet.receipts"
    verbose_name = _("Квитанции")

    def ready(self):
        from . import checks  # noqa: F401  (registers the font check)

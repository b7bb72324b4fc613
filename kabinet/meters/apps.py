from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetersConfig(AppConfig):
    name = "kabinet.meters"
    verbose_name = _("Приборы учета")

from django.apps import AppConfig


class MetersConfig(AppConfig):
    name = "kabinet.meters"
    verbose_name = "Приборы учета"

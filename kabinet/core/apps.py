from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kabinet.core"
    verbose_name = "Общее"

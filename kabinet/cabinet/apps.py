from django.apps import AppConfig


class CabinetConfig(AppConfig):
    name = "kabinet.cabinet"
    verbose_name = "Кабинет жильца"

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kabinet.accounts"
    verbose_name = "Пользователи"

"""The resident's account pages, mounted under /cabinet/ (the home page is in kabinet/urls.py).

Patterns taking `account_id` are account-scoped: their views answer 404 to anyone who
has not attached the account (cabinet/tests/test_access.py checks every one of them).
"""

from django.urls import path

from .views import account, accounts, meters

app_name = "cabinet"

urlpatterns = [
    path("", accounts.index, name="index"),
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/add/", accounts.attach, name="attach"),
    path("accounts/add/options/", accounts.attach_options, name="attach_options"),
    path("<int:account_id>/", account.card, name="card"),
    path("<int:account_id>/tariffs/", account.tariffs, name="tariffs"),
    path("<int:account_id>/contacts/", account.contacts, name="contacts"),
    path("<int:account_id>/charges/", account.charges, name="charges"),
    path("<int:account_id>/payments/", account.payments, name="payments"),
    path("<int:account_id>/detach/", accounts.detach, name="detach"),
    path("<int:account_id>/meters/", meters.meters, name="meters"),
    path("<int:account_id>/meters/submit/", meters.meters_submit, name="meters_submit"),
    path("<int:account_id>/meters/<int:meter_id>/", meters.meter_history, name="meter_history"),
]

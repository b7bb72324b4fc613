"""The resident's account pages, mounted under /cabinet/ (the home page is in kabinet/urls.py).

Patterns taking `account_id` are account-scoped: their views answer 404 to anyone who
has not attached the account (tests/test_access.py checks every one of them).
"""

from django.urls import path

from . import views

app_name = "cabinet"

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/add/", views.attach, name="attach"),
    path("accounts/add/options/", views.attach_options, name="attach_options"),
    path("<int:account_id>/", views.card, name="card"),
    path("<int:account_id>/tariffs/", views.tariffs, name="tariffs"),
    path("<int:account_id>/contacts/", views.contacts, name="contacts"),
    path("<int:account_id>/charges/", views.charges, name="charges"),
    path("<int:account_id>/payments/", views.payments, name="payments"),
    path("<int:account_id>/detach/", views.detach, name="detach"),
]

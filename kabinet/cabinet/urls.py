"""The resident's account pages, mounted under /cabinet/ (the home page is in kabinet/urls.py).

Patterns taking `account_id` are account-scoped: their views answer 404 to anyone who
has not attached the account (cabinet/tests/test_access.py checks every one of them).
The profile's patterns take no id at all: each shows and changes the logged-in user's
own data only.
"""

from django.urls import path

from .views import account, accounts, ledger, meters, payments_online, profile, receipts

app_name = "cabinet"

urlpatterns = [
    path("", accounts.index, name="index"),
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/add/", accounts.attach, name="attach"),
    path("accounts/add/options/", accounts.attach_options, name="attach_options"),
    path("<int:account_id>/", account.card, name="card"),
    path("<int:account_id>/tariffs/", account.tariffs, name="tariffs"),
    path("<int:account_id>/contacts/", account.contacts, name="contacts"),
    path("<int:account_id>/charges/", ledger.charges, name="charges"),
    path("<int:account_id>/penalty/", ledger.penalty, name="penalty"),
    path("<int:account_id>/payments/", ledger.payments, name="payments"),
    path("<int:account_id>/detach/", accounts.detach, name="detach"),
    path("<int:account_id>/receipts/", receipts.receipt_list, name="receipts"),
    path("<int:account_id>/receipts/pdf/", receipts.receipt, name="receipt"),
    path("profile/", profile.profile, name="profile"),
    path("profile/subscriptions/", profile.subscriptions, name="profile_subscriptions"),
    path("profile/email/", profile.email, name="profile_email"),
    path("profile/phone/", profile.phone, name="profile_phone"),
    path("profile/password/", profile.password, name="profile_password"),
    path("profile/sessions/", profile.sessions, name="profile_sessions"),
    path("profile/data/", profile.data, name="profile_data"),
    path("profile/delete/", profile.delete, name="profile_delete"),
    # Online payment (kabinet/payments): the form, then where the gateway sends the payer back.
    path("<int:account_id>/pay/", payments_online.pay, name="pay"),
    path("<int:account_id>/pay/success/", payments_online.pay_success, name="pay_success"),
    path("<int:account_id>/pay/fail/", payments_online.pay_fail, name="pay_fail"),
    path(
        "<int:account_id>/pay/in-progress/",
        payments_online.pay_in_progress,
        name="pay_in_progress",
    ),
    path("<int:account_id>/pay/return/", payments_online.pay_return, name="pay_return"),
    path("<int:account_id>/meters/", meters.meters, name="meters"),
    path("<int:account_id>/meters/submit/", meters.meters_submit, name="meters_submit"),
    path("<int:account_id>/meters/<int:meter_id>/", meters.meter_history, name="meter_history"),
]

"""Accounts URLs. `login` and `logout` are global names (used all over the templates);
the rest live in the `accounts` namespace."""

from django.urls import include, path

from . import views

account_patterns = (
    [
        path("register/", views.register, name="register"),
        path("register/done/", views.register_done, name="register_done"),
        path("activate/resend/", views.activation_resend, name="activation_resend"),
        path("activate/resend/done/", views.activation_resend_done, name="activation_resend_done"),
        path("activate/", views.activate, name="activate"),
        path("activate/<str:token>/", views.activate_link, name="activation_link"),
        path("password/reset/", views.password_reset, name="password_reset"),
        path("password/reset/done/", views.password_reset_done, name="password_reset_done"),
        path("password/reset/new/", views.password_reset_set, name="password_reset_set"),
        path(
            "password/reset/<str:token>/",
            views.password_reset_link,
            name="password_reset_link",
        ),
        path("email/confirm/", views.email_change_confirm, name="email_change_confirm"),
        path("email/confirm/<str:token>/", views.email_change_link, name="email_change_link"),
        path("legal/<slug:kind>/", views.legal_document, name="legal"),
    ],
    "accounts",
)

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", include(account_patterns)),
]

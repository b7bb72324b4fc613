"""The meters app's own endpoint: the reminder e-mails' unsubscribe link (no login)."""

from django.urls import path

from . import views

app_name = "meters"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

"""The receipts' own pages outside the resident's cabinet: the unsubscribe link."""

from django.urls import path

from . import views

app_name = "receipts"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

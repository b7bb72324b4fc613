from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "phone", "is_active", "is_staff", "date_joined")
    search_fields = ("username", "email", "phone")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Контакты"), {"fields": ("phone",)}),
    )

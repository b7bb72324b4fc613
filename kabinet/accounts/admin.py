from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import ReadOnlyAdmin
from kabinet.core.security import client_ip

from . import services
from .devices import device_name
from .models import AccountToken, Consent, User, UserSession


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    fields = ("document", "version", "accepted_at", "ip_address")
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        return False  # proof of consent: kept when the user is deleted (docs/profile.md)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "phone",
        "is_active",
        "activation_pending",
        "is_staff",
        "date_joined",
    )
    list_filter = ("is_active", "activation_pending", "is_staff", "is_superuser", "groups")
    search_fields = ("username", "email", "phone")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Контакты"), {"fields": ("phone",)}),
        (_("Регистрация"), {"fields": ("activation_pending",)}),
    )
    readonly_fields = ("activation_pending",)
    inlines = [ConsentInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            services.user_access_set(
                user=obj, active=obj.is_active, by=request.user, ip=client_ip(request)
            )

    # Staff delete a user (on a written request, say) the way the user would: the
    # personal data go, the proofs of consent and the ledgers stay (docs/profile.md).
    def delete_model(self, request, obj):
        services.user_erase(user=obj, ip=client_ip(request), by=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_erase(user=user, ip=client_ip(request), by=request.user)


@admin.register(AccountToken)
class AccountTokenAdmin(admin.ModelAdmin):
    """Issued links, for support ("did the e-mail go out?"); the secrets are not stored."""

    list_display = ("user", "purpose", "created_at", "expires_at", "used_at")
    list_filter = ("purpose",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "purpose", "created_at", "expires_at", "used_at")
    readonly_fields = fields
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    """Where users are logged in, for support. The session key is not stored (only its
    digest, not shown either); sessions are ended by the user ("Активные сеансы") or by
    blocking the user, not here."""

    list_display = ("user", "device", "ip_address", "created_at", "last_seen_at", "expires_at")
    search_fields = ("user__username", "user__email", "ip_address")
    fields = (
        "user",
        "device",
        "user_agent",
        "ip_address",
        "created_at",
        "last_seen_at",
        "expires_at",
    )
    readonly_fields = fields
    list_select_related = ("user",)

    @admin.display(description=_("устройство"))
    def device(self, obj):
        return device_name(obj.user_agent)

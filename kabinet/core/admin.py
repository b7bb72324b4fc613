from django import forms
from django.contrib import admin


class RussianNumbersMixin:
    """Back-office forms take and show numbers the Russian way ("417,99")."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(field, forms.DecimalField):
            field.localize = True
            field.widget.is_localized = True
        return field


class KabinetAdmin(RussianNumbersMixin, admin.ModelAdmin):
    pass


class KabinetInline(RussianNumbersMixin, admin.TabularInline):
    pass


class ReadOnlyAdmin(KabinetAdmin):
    """A log or a history: shown, searched and filtered, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(KabinetInline):
    """Rows shown on their parent's page; they change elsewhere (through a service)."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

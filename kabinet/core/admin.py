from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin


class RussianNumbersMixin:
    """Back-office forms take and show numbers the Russian way ("417,99")."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(field, forms.DecimalField):
            field.localize = True
            # A text box: <input type="number"> cannot show "417,99" and comes up empty.
            field.widget = forms.TextInput(attrs={"inputmode": "decimal"})
            field.widget.is_localized = True
        return field


class KabinetAdmin(RussianNumbersMixin, admin.ModelAdmin):
    pass


class KabinetInline(RussianNumbersMixin, admin.TabularInline):
    pass


class KabinetHistoryAdmin(RussianNumbersMixin, SimpleHistoryAdmin):
    """An admin whose objects keep their history: who changed what, when, before and after
    ("История" on the object's page)."""


class ReadOnlyRowsMixin:
    """Rows are viewed, never edited or deleted here: a correction is a new row."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyRowsMixin, KabinetAdmin):
    """A record staff read and never write: an audit trail, the list of sessions, a run's
    report."""

    def has_add_permission(self, request):
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

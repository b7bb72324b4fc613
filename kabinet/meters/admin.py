from django.contrib import admin

from kabinet.core.admin import KabinetAdmin, KabinetInline

from .models import Meter, Reading


class ReadingInline(KabinetInline):
    model = Reading
    extra = 0
    fields = ("period", "zone", "value", "source", "submitted_at")
    readonly_fields = ("submitted_at",)
    ordering = ("-period", "zone")


@admin.register(Meter)
class MeterAdmin(KabinetAdmin):
    list_display = (
        "serial_number",
        "resource",
        "premises",
        "installed_on",
        "next_verification_on",
    )
    list_filter = ("resource", "premises__house__organization")
    search_fields = ("serial_number", "premises__number", "premises__house__street")
    list_select_related = ("premises__house",)
    autocomplete_fields = ("premises",)
    inlines = [ReadingInline]


@admin.register(Reading)
class ReadingAdmin(KabinetAdmin):
    list_display = ("meter", "period", "zone", "value", "source", "submitted_at")
    list_filter = ("source", "meter__resource")
    search_fields = ("meter__serial_number",)
    list_select_related = ("meter",)
    date_hierarchy = "period"

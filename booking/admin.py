from django.contrib import admin

from booking.models import Treatment


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "duration_minutes",
        "price_from",
        "is_active",
        "order",
    ]
    list_filter = ["category", "is_active"]
    list_editable = ["is_active", "order"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}

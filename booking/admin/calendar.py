"""The clinic's calendar, edited by the manager: locations with their hours,
closures and rooms; providers with their schedules and time off."""

from django.contrib import admin

from booking.models import (
    Closure,
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
    Room,
    RoomKind,
    TimeOff,
)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "time_zone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "city"]
    inlines = [OpeningHoursInline, ClosureInline, RoomInline]


@admin.register(RoomKind)
class RoomKindAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class ProviderScheduleInline(admin.TabularInline):
    model = ProviderSchedule
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credential", "is_active"]
    list_filter = ["credential", "is_active", "locations"]
    search_fields = ["display_name"]
    filter_horizontal = ["treatments", "locations"]
    inlines = [ProviderScheduleInline, TimeOffInline]

"""The waitlist, as the front desk sees and tidies it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from booking.models import WaitlistEntry
from booking.waitlist import waitlist_remove


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "treatment",
        "earliest_date",
        "latest_date",
        "time_of_day",
        "status",
        "first_name",
    ]
    list_filter = ["status", "treatment", "location"]
    list_select_related = ["treatment"]
    search_fields = ["email", "first_name"]
    date_hierarchy = "created_at"
    # The token is the patient's key to their links: staff never need it.
    exclude = ["token"]
    readonly_fields = ["appointment", "created_at", "updated_at"]
    actions = ["remove"]

    @admin.action(description=_("Remove from waitlist"), permissions=["change"])
    def remove(self, request, queryset):
        removed = waitlist_remove(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d entry removed from the waitlist.",
                "%(count)d entries removed from the waitlist.",
                removed,
            )
            % {"count": removed},
        )

"""The waitlist, as the front desk sees and tidies it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from booking.admin.roles import ForbiddenActionsRefused
from booking.models import WaitlistEntry
from booking.waitlist import waitlist_remove


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ForbiddenActionsRefused, admin.ModelAdmin):
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

    # Patients make entries and staff only take them off (the action), so an
    # entry's page is read-only: an edit or deletion would go unrecorded.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Asked without an entry for the changelist's action; asked with one
        # for its page, which is then shown as Django's read-only view, and a
        # POST to it is refused.
        return obj is None and super().has_change_permission(request)

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

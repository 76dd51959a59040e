from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from medspa.staff.services import staff_sessions_end, staff_two_factor_reset

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, plus what the manager's commands do: sign someone
    out everywhere, or reset their two-step sign-in after a lost phone."""

    actions = ["sign_out_everywhere", "reset_two_factor"]

    @admin.action(description=_("Sign out everywhere"), permissions=["change"])
    def sign_out_everywhere(self, request, queryset):
        ended = sum(staff_sessions_end(user=user) for user in queryset)
        self.message_user(
            request,
            ngettext("Ended %d session.", "Ended %d sessions.", ended) % ended,
        )

    @admin.action(
        description=_("Reset two-step sign-in (lost phone) and sign out"),
        permissions=["change"],
    )
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            staff_two_factor_reset(user=user)
        self.message_user(
            request,
            _(
                "Reset for %(names)s: at their next sign-in they set up an "
                "authenticator app again."
            )
            % {"names": ", ".join(user.get_username() for user in queryset)},
        )

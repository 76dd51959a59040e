from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path

from medspa.staff import views


class StaffAdminSite(admin.AdminSite):
    """The admin, open only to active staff who passed both sign-in steps: the
    password, then a code from their authenticator app, a recovery code or a
    passkey."""

    def has_permission(self, request):
        return super().has_permission(request) and views.is_verified(request.user)

    def login(self, request, extra_context=None):
        if views.awaiting_second_factor(request.user):
            return redirect(
                views.url_with_next("admin:two-factor-verify", views.next_url(request))
            )
        response = super().login(request, extra_context)
        # The password was just accepted: the second step comes next.
        if views.awaiting_second_factor(request.user):
            return redirect(
                views.url_with_next(
                    "admin:two-factor-verify",
                    views.safe_next_url(request, response.url),
                )
            )
        return response

    def get_urls(self):
        return [
            path("two-factor/", views.verify, name="two-factor-verify"),
            path("two-factor/set-up/", views.enrol, name="two-factor-enrol"),
            path(
                "two-factor/recovery-codes/",
                self.admin_view(views.recovery_codes),
                name="two-factor-recovery-codes",
            ),
            path("two-factor/sign-out/", views.sign_out, name="two-factor-sign-out"),
            path(
                "two-factor/passkeys/",
                self.admin_view(views.passkeys),
                name="two-factor-passkeys",
            ),
            *super().get_urls(),
        ]

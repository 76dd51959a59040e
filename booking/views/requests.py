"""The appointment-request form, for treatments not booked online."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import CreateView, TemplateView

from booking import scheduling
from booking.clinic import clinic_details_version
from booking.forms import AppointmentRequestForm
from booking.http import booking_link_initial, client_ip
from booking.models import AppointmentRequest
from booking.ratelimit import RateLimited
from booking.services import AlreadySubmitted, appointment_request_submit
from booking.views.cached import cached_form_page

# The confirmation page shows the request this browser sent, named in a signed
# cookie, so its URL reveals nothing and is useless to anyone else. A session
# would do the same for four more database round trips per booking
# (bench/PERFORMANCE.md, "12").
DONE_COOKIE_SALT = "booking.request-done"
DONE_COOKIE_MAX_AGE = 24 * 60 * 60


def done_cookie_name() -> str:
    # Prefixed like the session cookie in production: only this host, over
    # HTTPS, may set it.
    return ("__Host-" if settings.SESSION_COOKIE_SECURE else "") + "booking_done"


# The blank form is the same for every visitor but for its initial values
# (the treatment and article named in its address, the referring page) and
# today's date (the date field's limits). What it shows besides, treatments
# and the clinic's details, moves the calendar version and the clinic
# details' version.
cached_request_form = cached_form_page(
    alias="forms",
    seconds=300,
    key=lambda request: (
        sorted(booking_link_initial(request).items()),
        timezone.localdate(),
    ),
    version=lambda: (scheduling.calendar_version(), clinic_details_version()),
    version_may_lag=True,
)


# Every posted field is hidden from error reports: all of it is patient data.
@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
@method_decorator(cached_request_form, name="get")
class AppointmentRequestCreateView(CreateView):
    model = AppointmentRequest
    form_class = AppointmentRequestForm

    def get_initial(self):
        return booking_link_initial(self.request)

    def form_valid(self, form):
        if form.is_bot():
            return render(self.request, "booking/appointmentrequest_refused.html")
        if form.is_too_fast():
            form.refresh_form_token()
            form.add_error(
                None, _("Please check your details, then press “Send request” again.")
            )
            return self.form_invalid(form)
        try:
            appointment_request = appointment_request_submit(
                client_ip=client_ip(self.request), **form.submitted_fields()
            )
        except RateLimited:
            return render(
                self.request, "booking/appointmentrequest_refused.html", status=429
            )
        except AlreadySubmitted as already:
            form.refresh_form_token()
            form.add_error(None, already_submitted_message(already))
            return self.form_invalid(form)
        response = redirect("booking:request-done")
        # No max_age: gone when the browser closes; the signature's age is
        # checked when it is read.
        response.set_signed_cookie(
            done_cookie_name(),
            appointment_request.pk,
            salt=DONE_COOKIE_SALT,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response


def already_submitted_message(already: AlreadySubmitted) -> str:
    return _(
        "You already sent this form as request %(reference)s, with different "
        "details. We kept that request as it was. To send these details as a new "
        "request, press “Send request” again; to change %(reference)s instead, "
        "call us on %(phone)s."
    ) % {
        "reference": already.appointment_request.reference,
        "phone": settings.CLINIC["phone_display"],
    }


@method_decorator(never_cache, name="dispatch")
class AppointmentRequestDoneView(TemplateView):
    template_name = "booking/appointmentrequest_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        appointment_request = (
            AppointmentRequest.objects.select_related("treatment")
            .filter(pk=self._done_request_id(), anonymized_at=None)
            .first()
        )
        if appointment_request is None:
            raise Http404
        context["appointment_request"] = appointment_request
        return context

    def _done_request_id(self) -> str | None:
        return self.request.get_signed_cookie(
            done_cookie_name(),
            default=None,
            salt=DONE_COOKIE_SALT,
            max_age=DONE_COOKIE_MAX_AGE,
        )

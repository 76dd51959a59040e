"""The patient's own appointment page, reached only by the secret link in their
confirmation: see it, add it to a calendar, move it to another free time or
cancel it, up to the cut-off (booking.patient_changes).

The link is the only key. It opens nothing once the appointment has started,
and the page shows no contact details (nor the reference, which is enough to
talk about the appointment on the phone), so a forwarded or leaked link
reveals no more than the appointment itself. Changes are rate limited per
link: each one emails the patient and the clinic and offers the freed time to
the waitlist.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from booking import ratelimit
from booking.http import client_ip
from booking.models import Appointment
from booking.patient_changes import (
    CannotChangeOnline,
    appointment_cancel_by_patient,
    appointment_reschedule_by_patient,
    can_change,
    can_move,
)
from booking.scheduling import SlotTaken
from booking.views.online import (
    all_slots,
    alternatives_near,
    calendar_file_response,
    parse_moment,
    week_of_times,
)

# token_urlsafe(32) gives 43 characters; anything much longer is not ours.
MAX_TOKEN_LENGTH = 64


def _managed(token: str) -> Appointment:
    """The appointment this link belongs to, if it has not started; else 404
    (the same answer for a wrong, foreign or spent link)."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    appointment = (
        Appointment.objects.open_to_patient(token)
        .select_related("treatment", "provider", "location")
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def _too_many_changes(request, appointment: Appointment) -> bool:
    """Count a change made through this link; True past the limit."""
    try:
        ratelimit.spend(scope="manage", subject=appointment.manage_token)
    except ratelimit.RateLimited:
        return True
    return False


def _refused(request):
    return render(request, "booking/appointmentrequest_refused.html", status=429)


def _context(appointment: Appointment, **extra) -> dict:
    zone = appointment.location.zone
    return {
        "appointment": appointment,
        "token": appointment.manage_token,
        "local_start": appointment.starts_at.astimezone(zone),
        "can_change": can_change(appointment),
        "can_move": can_move(appointment),
        "deadline": appointment.change_deadline.astimezone(zone),
        "cutoff_hours": settings.BOOKING_CANCELLATION_CUTOFF_HOURS,
        **extra,
    }


@never_cache
@require_safe
def manage(request, token):
    appointment = _managed(token)
    return render(request, "booking/manage.html", _context(appointment))


@never_cache
@require_safe
def manage_calendar_file(request, token):
    appointment = _managed(token)
    if appointment.status != Appointment.Status.BOOKED:
        raise Http404
    return calendar_file_response(appointment)


@never_cache
@require_http_methods(["GET", "POST"])
def manage_cancel(request, token):
    """GET asks "are you sure?"; POST cancels."""
    appointment = _managed(token)
    if request.method == "POST" and can_change(appointment):
        if _too_many_changes(request, appointment):
            return _refused(request)
        try:
            appointment_cancel_by_patient(
                appointment=appointment, ip_address=client_ip(request)
            )
        except CannotChangeOnline:
            appointment = _managed(token)  # the page explains why
        else:
            return redirect("booking:manage", token=token)
    return render(request, "booking/manage_cancel.html", _context(appointment))


@never_cache
@require_http_methods(["GET", "POST"])
def manage_reschedule(request, token):
    """A week of free times for the same treatment; choosing one moves the
    appointment there at once (no hold: the move itself is the write the
    database settles)."""
    appointment = _managed(token)
    if not can_move(appointment):
        return redirect("booking:manage", token=token)  # it says why
    location, treatment = appointment.location, appointment.treatment
    taken_at, alternatives = None, []
    if request.method == "POST":
        if _too_many_changes(request, appointment):
            return _refused(request)
        moment = parse_moment(request.POST.get("start", ""))
        day = (moment or timezone.now()).astimezone(location.zone).date()
        slot = next(
            (
                slot
                for slot in all_slots(location, treatment, None, day, day)
                if slot.starts_at == moment
            ),
            None,
        )
        try:
            if slot is None:
                raise SlotTaken
            appointment_reschedule_by_patient(
                appointment=appointment, slot=slot, ip_address=client_ip(request)
            )
        except CannotChangeOnline:
            return redirect("booking:manage", token=token)
        except SlotTaken:
            taken_at = moment or timezone.now()
            alternatives = alternatives_near(location, treatment, None, taken_at)
        else:
            return redirect("booking:manage", token=token)
    return render(
        request,
        "booking/manage_reschedule.html",
        _context(
            appointment,
            **week_of_times(location, treatment, None, request.GET.get("week", "")),
            taken_at=taken_at,
            alternatives=alternatives,
        ),
        status=409 if taken_at else 200,
    )

"""The one-click unsubscribe from "time to rebook?" emails (booking.rebooking)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from booking import rebooking


# The signed token in the URL is a secret only the recipient has, so it does
# what a CSRF token would; and a mail client's one-click POST (RFC 8058,
# body "List-Unsubscribe=One-Click") comes with no cookie or CSRF token at all.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks (link scanners follow links; they must not unsubscribe
    anyone), POST unsubscribes the appointment's address, from the page's
    button or a mail client."""
    appointment = rebooking.appointment_from_unsubscribe_token(token)
    if appointment is None:
        raise Http404
    if request.method == "POST":
        rebooking.marketing_consent_withdraw(email=appointment.email)
    return render(
        request,
        "booking/unsubscribe.html",
        {"unsubscribed": request.method == "POST"},
    )

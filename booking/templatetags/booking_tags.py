from django import template

from booking import http
from booking.models import AppointmentRequest, Treatment

register = template.Library()

FEATURED_COUNT = 3


@register.inclusion_tag("booking/includes/featured_treatments.html")
def featured_treatments(count: int = FEATURED_COUNT) -> dict:
    return {"treatments": list(Treatment.objects.featured()[:count])}


@register.simple_tag
def booking_today_counts() -> dict[str, int]:
    """Today's workload for the admin index."""
    return AppointmentRequest.objects.today_counts()


@register.simple_tag
def booking_url(treatment=None, article=None) -> str:
    """The booking form's URL for a page's "Book" button (see booking.http)."""
    return http.booking_url(treatment=treatment or None, article=article or None)

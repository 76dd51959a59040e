from django import template

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

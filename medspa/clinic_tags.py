"""Site-wide template tags, registered as the "clinic_tags" library in settings
(medspa is a project package, not an app, so it has no templatetags folder)."""

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from blog.templatetags.blog_tags import ld_json_script
from medspa.context_processors import clinic_details

register = template.Library()

# schema.org's dayOfWeek values: fixed English words, never translated, unlike
# the display names in medspa.context_processors.WEEKDAYS. Monday is 0, as in
# Location opening hours, settings.CLINIC["hours"] and datetime.weekday().
SCHEMA_DAY_NAMES = [
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
]  # fmt: skip


@register.simple_tag(takes_context=True)
def clinic_jsonld(context) -> SafeString:
    """Describe the clinic as a schema.org MedicalBusiness: its first active
    location's address and hours (settings.CLINIC without one)."""
    # The same per-process, one-second copy the footer reads: no extra query.
    clinic = clinic_details()
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalBusiness",
        "name": clinic["name"],
        "url": context["request"].build_absolute_uri(reverse("home")),
        "telephone": clinic["phone"],
        "email": clinic["email"],
        "address": {
            "@type": "PostalAddress",
            "streetAddress": clinic["street"],
            "addressLocality": clinic["city"],
            "addressRegion": clinic["region"],
            "postalCode": clinic["postal_code"],
            "addressCountry": clinic["country"],
        },
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": SCHEMA_DAY_NAMES[day],
                "opens": opens,
                "closes": closes,
            }
            for day, intervals in sorted(clinic["hours"].items())
            for opens, closes in intervals
        ],
    }
    return ld_json_script(data)

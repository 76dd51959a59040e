"""Phone numbers: typed any way a patient says them, stored as E.164."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_PHONE = _(
    "Enter a valid phone number, like (217) 544-0142 or +44 20 7946 0958."
)


def normalize_phone(raw: str) -> str | None:
    """Return `raw` as E.164 (+12175440142), or None if it is not a valid number.

    Numbers without a country code are read in PHONE_DEFAULT_REGION.
    """
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    """Model validator: only a normalised number may be stored, from any entry point."""
    if value and normalize_phone(value) != value:
        raise ValidationError(INVALID_PHONE, code="invalid_phone")


def display_phone(e164: str) -> str:
    """Return +12175440142 as (217) 544-0142 (international if abroad)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    local = phonenumbers.region_code_for_number(number) == settings.PHONE_DEFAULT_REGION
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(
        number, style.NATIONAL if local else style.INTERNATIONAL
    )

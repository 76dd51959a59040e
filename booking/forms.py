import datetime
import re
import uuid

import phonenumbers
from django import forms
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from booking.models import AppointmentRequest, Treatment

STARTED_SALT = "booking.form-started"
BAD_PHONE = _("Enter a valid phone number, like (217) 544-0142 or +44 20 7946 0958.")
SAFE_PATH = re.compile(r"^/[A-Za-z0-9/_\-.]{0,199}$")
# Hours covered by each time-of-day choice, to check against opening hours.
TIME_WINDOWS = {
    AppointmentRequest.TimeOfDay.MORNING: ("00:00", "12:00"),
    AppointmentRequest.TimeOfDay.AFTERNOON: ("12:00", "17:00"),
    AppointmentRequest.TimeOfDay.EVENING: ("17:00", "24:00"),
}


def sign_started() -> str:
    return signing.TimestampSigner(salt=STARTED_SALT).sign("started")


def seconds_since_started(value: str) -> float | None:
    """Seconds since the form was rendered, or None if the stamp is not ours."""
    # TimestampSigner signs "value:timestamp"; a plain Signer with the same salt
    # checks that signature and hands back the timestamp to measure.
    try:
        _value, stamp = signing.Signer(salt=STARTED_SALT).unsign(value).rsplit(":", 1)
        return timezone.now().timestamp() - signing.b62_decode(stamp)
    except (signing.BadSignature, ValueError):
        return None


def published_article(slug: str):
    """The published blog article with this slug, or None."""
    # Looked up by name: booking knows blog only through its public QuerySet.
    article_model = apps.get_model("blog", "Article")
    return article_model.objects.published().filter(slug=slug).first()


def safe_source_path(value: str) -> str:
    """A same-site path without query string, or "" (it must never carry PHI)."""
    value = (value or "").split("?", 1)[0].split("#", 1)[0]
    return value if SAFE_PATH.match(value) else ""


class AppointmentRequestForm(forms.ModelForm):
    treatment = forms.ModelChoiceField(
        label=_("Treatment"),
        queryset=Treatment.objects.active(),
        required=False,
        empty_label=_("Not sure yet — consultation"),
        to_field_name="slug",
    )
    # Typed with spaces, brackets and dashes it is longer than the stored E.164.
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
        ),
        error_messages={"required": _("Please enter a mobile number we can reach.")},
    )
    preferred_date = forms.DateField(
        label=_("Preferred date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("We will confirm the exact time with you."),
        error_messages={
            "required": _("Please choose a preferred date."),
            "invalid": _("Enter the date as a calendar date, e.g. 2026-05-14."),
        },
    )
    consent = forms.BooleanField(
        label=_("I agree that the clinic may contact me about this request."),
        help_text=_(
            "We use your details only to answer this request; we never sell them "
            "or share them for marketing."
        ),
        error_messages={
            "required": _("Please tick the box so we are allowed to contact you.")
        },
    )
    # Hidden plumbing: idempotency token, render time, where the patient came from.
    # Not required: a missing or mangled one sends the patient round once more
    # with fresh values (see the view), instead of an error they cannot fix.
    # No max_length on hidden fields: an error there would be invisible; the clean
    # methods bound them instead (and the request size limit bounds everything).
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    article = forms.CharField(widget=forms.HiddenInput, required=False)
    source = forms.CharField(widget=forms.HiddenInput, required=False)
    # Honeypot: hidden from people by CSS; bots fill every field.
    leave_blank = forms.CharField(label=_("Leave this field empty"), required=False)

    class Meta:
        model = AppointmentRequest
        fields = (
            "first_name",
            "last_name",
            "email",
            "phone",
            "treatment",
            "preferred_date",
            "preferred_time",
            "patient_type",
            "contact_method",
            "message",
            "consent",
        )
        widgets = {
            "first_name": forms.TextInput(
                attrs={"autocomplete": "given-name", "autocapitalize": "words"}
            ),
            "last_name": forms.TextInput(
                attrs={"autocomplete": "family-name", "autocapitalize": "words"}
            ),
            "email": forms.EmailInput(
                attrs={"autocomplete": "email", "inputmode": "email"}
            ),
            "preferred_time": forms.RadioSelect,
            "patient_type": forms.RadioSelect,
            "contact_method": forms.RadioSelect,
            "message": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "email": _("Email"),
            "preferred_time": _("Preferred time of day"),
            "patient_type": _("Have you visited us before?"),
            "contact_method": _("How should we contact you?"),
            "message": _("Anything we should know? (optional)"),
        }
        help_texts = {
            "message": _(
                "Please don't include medical details here; a clinician will "
                "go through your health history with you in person."
            ),
        }
        error_messages = {
            "first_name": {"required": _("Please enter your first name.")},
            "last_name": {"required": _("Please enter your last name.")},
            "email": {
                "required": _("Please enter your email address."),
                "invalid": _("Enter an email address like name@example.com."),
            },
            "patient_type": {"required": _("Please tell us if you are new to us.")},
            "contact_method": {
                "required": _("Please choose how we should contact you.")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radios need no "---------" option: the empty state is none ticked.
        self.fields["patient_type"].choices = AppointmentRequest.PatientType.choices
        self.fields["contact_method"].choices = AppointmentRequest.ContactMethod.choices
        self.fields["phone"].help_text = _("We call or text from %(phone)s.") % {
            "phone": settings.CLINIC["phone_display"]
        }
        self.fields["leave_blank"].widget.attrs.update(
            {"autocomplete": "off", "tabindex": "-1"}
        )
        today = timezone.localdate()
        self.fields["preferred_date"].widget.attrs.update(
            {
                "min": today.isoformat(),
                "max": self.last_bookable_date(today).isoformat(),
            }
        )
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
            self.initial.setdefault("started", sign_started())

    @staticmethod
    def last_bookable_date(today: datetime.date) -> datetime.date:
        return today + datetime.timedelta(days=settings.BOOKING_MAX_DAYS_AHEAD)

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        try:
            number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(BAD_PHONE, code="invalid_phone")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean_preferred_date(self):
        value = self.cleaned_data["preferred_date"]
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(
                _("Choose today or a later date."), code="past_date"
            )
        last = self.last_bookable_date(today)
        if value > last:
            raise forms.ValidationError(
                _("We take requests up to %(last)s; choose an earlier date."),
                code="too_far",
                params={"last": date_format(last, "F j, Y")},
            )
        if value.isoformat() in settings.BOOKING_CLOSED_DATES:
            raise forms.ValidationError(
                _("The clinic is closed on %(date)s; choose another day."),
                code="closed_day",
                params={"date": date_format(value, "F j")},
            )
        if value.weekday() not in settings.CLINIC["hours"]:
            raise forms.ValidationError(
                _("The clinic is closed on %(day)s; choose another day."),
                code="closed_day",
                params={"day": value.strftime("%A")},
            )
        return value

    def clean_token(self):
        token = self.cleaned_data["token"]
        try:
            return uuid.UUID(token) if len(token) <= 36 else None
        except ValueError:
            return None

    def clean_article(self):
        slug = self.cleaned_data["article"]
        # An unknown or unpublished slug is just dropped: never the patient's problem.
        return published_article(slug) if slug and len(slug) <= 200 else None

    def clean_source(self):
        return safe_source_path(self.cleaned_data["source"])

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("preferred_date")
        time_of_day = cleaned.get("preferred_time")
        if day and time_of_day in TIME_WINDOWS:
            opens, closes = settings.CLINIC["hours"][day.weekday()]
            start, end = TIME_WINDOWS[time_of_day]
            if not (opens < end and closes > start):
                self.add_error(
                    "preferred_time",
                    forms.ValidationError(
                        _(
                            "On %(day)s we are open %(opens)s–%(closes)s; choose "
                            "another time of day."
                        ),
                        code="closed_time",
                        params={
                            "day": day.strftime("%A"),
                            "opens": opens,
                            "closes": closes,
                        },
                    ),
                )
        return cleaned

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("leave_blank"))

    def is_too_fast(self) -> bool:
        """True for a post sent sooner after rendering than a person could, or
        without a render stamp and token of ours."""
        elapsed = seconds_since_started(self.cleaned_data.get("started", ""))
        return (
            elapsed is None
            or elapsed < settings.BOOKING_MIN_FILL_SECONDS
            or self.cleaned_data.get("token") is None
        )

    def refresh_hidden(self) -> None:
        """Give the re-rendered form a new render stamp and token."""
        self.data = self.data.copy()
        self.data["started"] = sign_started()
        self.data["token"] = str(uuid.uuid4())

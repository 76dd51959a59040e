import dataclasses
import datetime
import uuid

from django import forms
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from booking.clinic import clinic_details
from booking.http import MAX_SLUG_LENGTH, safe_source_path
from booking.models import (
    TIME_OF_DAY_WINDOWS,
    Appointment,
    AppointmentRequest,
    Treatment,
    WaitlistEntry,
)
from booking.phones import INVALID_PHONE, normalize_phone
from booking.waitlist import bookable_days, check_dates

FORM_TOKEN_SALT = "booking.form-token"


@dataclasses.dataclass(frozen=True)
class FormToken:
    """One rendered form: its idempotency token and when it was shown."""

    token: uuid.UUID
    started: float  # Unix time

    def age(self) -> float:
        return timezone.now().timestamp() - self.started


def issue_form_token(*, started: float | None = None) -> str:
    """A signed token for a freshly rendered form.

    Token and render time are signed together, so a bot can neither mint tokens
    nor reuse one render stamp for many posts.
    """
    if started is None:
        started = timezone.now().timestamp()
    return signing.dumps({"t": uuid.uuid4().hex, "s": started}, salt=FORM_TOKEN_SALT)


def read_form_token(value: str) -> FormToken | None:
    """The form token in `value`, or None if we did not issue it."""
    try:
        data = signing.loads(value, salt=FORM_TOKEN_SALT)
        return FormToken(token=uuid.UUID(hex=data["t"]), started=float(data["s"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# How every patient-details form (request or booking) asks for the same fields.
PATIENT_WIDGETS = {
    "first_name": forms.TextInput(
        attrs={"autocomplete": "given-name", "autocapitalize": "words"}
    ),
    "last_name": forms.TextInput(
        attrs={"autocomplete": "family-name", "autocapitalize": "words"}
    ),
    "email": forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    "patient_type": forms.RadioSelect,
    "contact_method": forms.RadioSelect,
    "message": forms.Textarea(attrs={"rows": 4}),
}
PATIENT_LABELS = {
    "email": _("Email"),
    "patient_type": _("Have you visited us before?"),
    "contact_method": _("How should we contact you?"),
    "message": _("Anything we should know? (optional)"),
}
PATIENT_HELP_TEXTS = {
    "message": _(
        "Please don't include medical details here; a clinician will "
        "go through your health history with you in person."
    ),
}
PATIENT_ERRORS = {
    "first_name": {"required": _("Please enter your first name.")},
    "last_name": {"required": _("Please enter your last name.")},
    "email": {
        "required": _("Please enter your email address."),
        "invalid": _("Enter an email address like name@example.com."),
    },
    "patient_type": {"required": _("Please tell us if you are new to us.")},
    "contact_method": {"required": _("Please choose how we should contact you.")},
}


def validate_mailable_domain(value: str) -> None:
    """Refuse what Django's email check lets through but no patient has: an IP
    literal (a@[127.0.0.1]) or a host name without a dot (a@localhost). Mail
    relayed by the server's own MTA would reach its local mailboxes or internal
    hosts. International domains (a@exämple.com) stay valid: Django sends them
    in their ASCII form."""
    domain = value.rpartition("@")[2]
    if domain.startswith("[") or "." not in domain:
        raise ValidationError(
            _("Please use an email address with a full domain, like name@example.com."),
            code="invalid_domain",
        )


class PatientEmailField(forms.EmailField):
    """Every patient-facing email field: an address the clinic can mail."""

    def run_validators(self, value):
        super().run_validators(value)
        # Only once it is an email address at all: one message, not two.
        if value not in self.empty_values:
            validate_mailable_domain(value)


def published_article(slug: str):
    """The published article with this slug, or None: an unknown or unpublished
    one is just dropped, never the patient's problem."""
    if not slug or len(slug) > MAX_SLUG_LENGTH:
        return None
    # Looked up by name: booking knows blog only through its public QuerySet.
    articles = apps.get_model("blog", "Article").objects.published()
    return articles.filter(slug=slug).first()


class PatientFields(forms.Form):
    """How every form asks for a patient's details (the patient's own forms and
    the front desk's caller form): the phone typed any way, the choices as radios."""

    # Typed with spaces, brackets and dashes it is longer than the stored E.164.
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
        ),
        error_messages={"required": _("Please enter a mobile number we can reach.")},
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radios need no "---------" option: the empty state is none ticked.
        self.fields["patient_type"].choices = AppointmentRequest.PatientType.choices
        self.fields["contact_method"].choices = AppointmentRequest.ContactMethod.choices

    def clean_phone(self):
        number = normalize_phone(self.cleaned_data["phone"])
        if number is None:
            raise forms.ValidationError(INVALID_PHONE, code="invalid_phone")
        return number


class PatientDetailsForm(PatientFields):
    """The patient's details and the anti-automation plumbing, shared by the
    request form and the booking details form (both ModelForms)."""

    # The signed form token (with the render time). Not required: a missing or
    # mangled one sends the patient round once more with a fresh one (see
    # is_too_fast), instead of an error they cannot fix. No max_length on
    # hidden fields: an error there would be invisible; the clean methods
    # bound them.
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    # Honeypot: hidden from people by CSS; bots fill every field.
    leave_blank = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _("We call or text from %(phone)s.") % {
            "phone": settings.CLINIC["phone_display"]
        }
        self.fields["leave_blank"].widget.attrs.update(
            {"autocomplete": "off", "tabindex": "-1"}
        )
        if not self.is_bound:
            self.initial.setdefault("form_token", issue_form_token())

    def clean_form_token(self):
        """The form's token (a UUID), or None if missing, forged or expired;
        the render time is kept for is_too_fast."""
        value = self.cleaned_data["form_token"]
        self.signed_token = read_form_token(value) if len(value) <= 200 else None
        if self.signed_token is None:
            return None
        if self.signed_token.age() > settings.BOOKING_FORM_MAX_AGE:
            return None
        return self.signed_token.token

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("leave_blank"))

    def is_too_fast(self) -> bool:
        """True for a post sent sooner after rendering than a person could, or
        without a valid, unexpired form token of ours."""
        return (
            self.cleaned_data.get("form_token") is None
            or self.signed_token.age() < settings.BOOKING_MIN_FILL_SECONDS
        )

    def refresh_form_token(self) -> None:
        """Give the re-rendered form a new token and render time.

        Always a new render time: a bot must wait out every form it posts, and a
        person reading the error message takes longer than that anyway.
        """
        self.data = self.data.copy()
        self.data["form_token"] = issue_form_token()


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {
    "required": _("Please choose a date."),
    "invalid": _("Enter the date as a calendar date, e.g. 2026-05-14."),
}


class AppointmentRequestForm(PatientDetailsForm, forms.ModelForm):
    treatment = forms.ModelChoiceField(
        label=_("Treatment"),
        queryset=Treatment.objects.active(),
        required=False,
        empty_label=_("Not sure yet — consultation"),
        to_field_name="slug",
    )
    preferred_date = forms.DateField(
        label=_("Preferred date"),
        widget=DATE_WIDGET,
        help_text=_("We will confirm the exact time with you."),
        error_messages=DATE_ERRORS | {"required": _("Please choose a preferred date.")},
    )
    # Where the patient came from, named as the model's fields.
    source_article = forms.CharField(widget=forms.HiddenInput, required=False)
    source_path = forms.CharField(widget=forms.HiddenInput, required=False)

    PLUMBING_FIELDS = ("form_token", "source_article", "source_path")
    # Leaving the treatment out of Meta.fields moves its field last.
    field_order = AppointmentRequest.PATIENT_FIELDS

    class Meta:
        model = AppointmentRequest
        # The treatment is the declared field above, left out of the model's
        # validation: its queryset has already found an active treatment, and
        # the model would ask the database again whether it exists.
        fields = [f for f in AppointmentRequest.PATIENT_FIELDS if f != "treatment"]
        widgets = PATIENT_WIDGETS | {"preferred_time": forms.RadioSelect}
        labels = PATIENT_LABELS | {"preferred_time": _("Preferred time of day")}
        help_texts = PATIENT_HELP_TEXTS
        error_messages = PATIENT_ERRORS
        field_classes = {"email": PatientEmailField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["preferred_date"].widget.attrs.update(
            {
                "min": today.isoformat(),
                "max": self.last_bookable_date(today).isoformat(),
            }
        )

    @staticmethod
    def last_bookable_date(today: datetime.date) -> datetime.date:
        return today + datetime.timedelta(days=settings.BOOKING_MAX_DAYS_AHEAD)

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
        clinic = clinic_details()
        if (
            value in clinic["closed_on"]
            or value.isoformat() in settings.BOOKING_CLOSED_DATES
        ):
            raise forms.ValidationError(
                _("The clinic is closed on %(date)s; choose another day."),
                code="closed_day",
                params={"date": date_format(value, "F j")},
            )
        if not clinic["hours"].get(value.weekday()):
            raise forms.ValidationError(
                _("The clinic is closed on %(day)s; choose another day."),
                code="closed_day",
                params={"day": value.strftime("%A")},
            )
        return value

    def clean_source_article(self):
        return published_article(self.cleaned_data["source_article"])

    def clean_source_path(self):
        return safe_source_path(self.cleaned_data["source_path"])

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("preferred_date")
        time_of_day = cleaned.get("preferred_time")
        # The location's hours that day, several intervals allowed (a closed
        # day has already failed clean_preferred_date).
        intervals = clinic_details()["hours"].get(day.weekday(), []) if day else []
        if intervals and time_of_day in TIME_OF_DAY_WINDOWS:
            opens, closes = intervals[0][0], intervals[-1][1]
            start, end = TIME_OF_DAY_WINDOWS[time_of_day]
            if not any(o < end and c > start for o, c in intervals):
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

    def submitted_fields(self) -> dict:
        """What the submit service takes: the patient fields and the plumbing."""
        fields = (*AppointmentRequest.PATIENT_FIELDS, *self.PLUMBING_FIELDS)
        return {name: self.cleaned_data[name] for name in fields}


class AppointmentDetailsForm(PatientDetailsForm, forms.ModelForm):
    """The patient's details for a held time (the online booking's last step)."""

    # Separate from `consent`, optional and unticked: marketing needs its own yes.
    rebooking_reminder = forms.BooleanField(required=False, initial=False)

    class Meta:
        model = Appointment
        fields = Appointment.PATIENT_FIELDS
        widgets = PATIENT_WIDGETS
        labels = PATIENT_LABELS
        help_texts = PATIENT_HELP_TEXTS
        error_messages = PATIENT_ERRORS
        field_classes = {"email": PatientEmailField}

    def __init__(self, *args, treatment: Treatment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if treatment is None or treatment.rebook_after_days is None:
            del self.fields["rebooking_reminder"]
        else:
            self.fields["rebooking_reminder"].label = _(
                "Optional: email me once when it is usually time to book "
                "%(treatment)s again."
            ) % {"treatment": treatment.name}
            self.fields["rebooking_reminder"].help_text = _(
                "One email, about %(months)s months after this visit; it has a "
                "one-click unsubscribe link."
            ) % {"months": round(treatment.rebook_after_days / 30)}
        # Blank in the table while a time is only held; required to book it.
        for name in ("first_name", "last_name", "email", "patient_type"):
            self.fields[name].required = True
        self.fields["contact_method"].required = True
        self.fields["contact_method"].label = _("How should we send reminders?")
        self.fields["consent"].label = _(
            "I agree that the clinic may contact me about this appointment."
        )
        self.fields["consent"].help_text = _(
            "We use your details only for this appointment; we never sell them or "
            "share them for marketing."
        )

    def patient_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in Appointment.PATIENT_FIELDS}

    def wants_rebooking_reminder(self) -> bool:
        return self.cleaned_data.get("rebooking_reminder", False)


# --- The waitlist ------------------------------------------------------------


class WaitlistJoinForm(forms.ModelForm):
    """A patient's waitlist request; its days are checked as waitlist_join
    checks them, so every problem shows at once."""

    class Meta:
        model = WaitlistEntry
        fields = ("first_name", "email", "earliest_date", "latest_date", "time_of_day")
        widgets = {
            "first_name": PATIENT_WIDGETS["first_name"],
            "email": PATIENT_WIDGETS["email"],
            "earliest_date": DATE_WIDGET,
            "latest_date": DATE_WIDGET,
            "time_of_day": forms.RadioSelect,
        }
        field_classes = {"email": PatientEmailField}
        labels = {
            "first_name": _("First name"),
            "email": PATIENT_LABELS["email"],
            "earliest_date": _("From"),
            "latest_date": _("Until"),
            "time_of_day": _("Time of day"),
        }
        help_texts = {
            "email": _("We email you only about free times for this treatment."),
            "latest_date": _("You leave the waitlist by itself after this day."),
        }
        error_messages = {
            "first_name": PATIENT_ERRORS["first_name"],
            "email": PATIENT_ERRORS["email"],
            "earliest_date": DATE_ERRORS,
            "latest_date": DATE_ERRORS,
            "time_of_day": {"required": _("Please choose a time of day.")},
        }

    def __init__(self, *args, treatment, location, **kwargs):
        super().__init__(*args, **kwargs)
        self.treatment, self.location = treatment, location
        first, last = bookable_days(treatment, location)
        for name in ("earliest_date", "latest_date"):
            self.fields[name].widget.attrs.update(
                {"min": first.isoformat(), "max": last.isoformat()}
            )

    def clean(self):
        cleaned = super().clean()
        earliest, latest = cleaned.get("earliest_date"), cleaned.get("latest_date")
        if earliest and latest:
            try:
                check_dates(
                    treatment=self.treatment,
                    location=self.location,
                    earliest_date=earliest,
                    latest_date=latest,
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

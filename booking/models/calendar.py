"""The clinic's calendar: where (locations, their hours, closures and rooms), who
(providers, their weekly schedules and time off) and the appointments booked in it.

The guarantee that matters lives in PostgreSQL: two exclusion constraints make
overlapping active appointments (and live holds) impossible for one provider and
for one room, whatever the application does.
"""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    BigIntegerRangeField,
    DateTimeRangeField,
    RangeBoundary,
    RangeOperators,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models.lifecycle import Lifecycle
from booking.models.requests import AppointmentRequest
from booking.phones import validate_e164


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name like America/New_York."),
            code="invalid_time_zone",
            params={"value": value},
        )


class LocationQuerySet(models.QuerySet):
    def active(self) -> "LocationQuerySet":
        return self.filter(is_active=True)


class Location(models.Model):
    name = models.CharField(_("name"), max_length=120)
    street = models.CharField(_("street"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("state or region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    country = models.CharField(_("country code"), max_length=2, default="US")
    phone = models.CharField(
        _("phone"), max_length=20, validators=[validate_e164], blank=True
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_("Appointments are shown in this zone, e.g. America/New_York."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class OpeningHours(models.Model):
    """One opening interval on a weekday; a day may have several (a lunch break)."""

    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="openinghours_closes_after_opening",
                violation_error_message=_("Closing time must be after opening time."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(models.Model):
    """A day the location is closed (a holiday, a training day)."""

    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.CASCADE,
        related_name="closures",
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "date"],
                name="closure_one_per_location_day",
                violation_error_message=_("This location is already closed that day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class RoomKind(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("room kind")
        verbose_name_plural = _("room kinds")

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="rooms",
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.ForeignKey(
        RoomKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="rooms"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["location", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class Provider(models.Model):
    class Credential(models.TextChoices):
        MD = "MD", _("Physician (MD)")
        DO = "DO", _("Physician (DO)")
        NP = "NP", _("Nurse practitioner (NP)")
        PA = "PA", _("Physician assistant (PA)")
        RN = "RN", _("Registered nurse (RN)")
        ESTHETICIAN = "LE", _("Licensed esthetician")

    display_name = models.CharField(_("display name"), max_length=120)
    credential = models.CharField(
        _("credential"), max_length=4, choices=Credential.choices
    )
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider",
    )
    treatments = models.ManyToManyField(
        "booking.Treatment",
        verbose_name=_("treatments performed"),
        related_name="providers",
        blank=True,
    )
    locations = models.ManyToManyField(
        Location, verbose_name=_("works at"), related_name="providers", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return f"{self.display_name}, {self.credential}"


class ProviderSchedule(models.Model):
    """A weekly working interval of a provider at one location."""

    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.CASCADE,
        related_name="provider_schedules",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        ordering = ["provider", "weekday", "starts"]
        verbose_name = _("weekly schedule")
        verbose_name_plural = _("weekly schedules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="providerschedule_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class TimeOff(models.Model):
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="time_off",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="timeoff_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    """Appointment.Status; defined here so its Meta's constraints can name it."""

    # A time a patient has chosen and is typing their details for; it blocks
    # the calendar like an appointment until hold_expires_at.
    HELD = "held", _("Held")
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# The statuses that occupy a provider's and a room's time.
ACTIVE_STATUSES = (
    AppointmentStatus.HELD,
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class IdRange(models.Func):
    """int8range(id, id, '[]'): equality as range overlap, since the embedded
    PostgreSQL has no btree_gist to put `=` into a GiST exclusion constraint."""

    function = "INT8RANGE"
    output_field = BigIntegerRangeField()

    def __init__(self, field: str):
        super().__init__(models.F(field), models.F(field), models.Value("[]"))


def new_manage_token() -> str:
    """The secret in a patient's manage link: 256 random bits, never the
    reference (which is read out on the phone and printed on paper)."""
    return secrets.token_urlsafe(32)


class AppointmentQuerySet(models.QuerySet):
    def blocking(self, start, end) -> "AppointmentQuerySet":
        """What occupies the calendar between start and end: active
        appointments and holds that have not lapsed."""
        return self.filter(
            status__in=ACTIVE_STATUSES, starts_at__lt=end, blocked_until__gt=start
        ).exclude(status=AppointmentStatus.HELD, hold_expires_at__lte=timezone.now())

    def of_patient(self, *, email: str, phone: str) -> "AppointmentQuerySet":
        """The same person's appointments, matched by email or mobile number."""
        same = models.Q(pk__in=[])
        if email:
            same |= models.Q(email__iexact=email)
        if phone:
            same |= models.Q(phone=phone)
        return self.filter(same)

    def missed(self) -> "AppointmentQuerySet":
        """No-shows, and the patient's own cancellations within the cut-off."""
        late = models.Q(status=AppointmentStatus.CANCELLED, late_cancellation=True)
        return self.filter(late | models.Q(status=AppointmentStatus.NO_SHOW))

    def open_to_patient(self, token: str) -> "AppointmentQuerySet":
        """The appointment a manage link opens: booked or cancelled (to say
        so), and not yet started."""
        return self.filter(
            manage_token=token,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED],
            starts_at__gt=timezone.now(),
        )


class Appointment(Lifecycle):
    Status = AppointmentStatus
    # Patients hold first; the front desk books a caller directly.
    INITIAL_STATUSES = frozenset({Status.HELD, Status.BOOKED})
    lifecycle_subject = _("An appointment")

    # Where the appointment may move next; "held" becomes "booked" only by
    # booking.scheduling.appointment_confirm, never by hand.
    TRANSITIONS = {
        # A hold that is not booked is deleted, never kept as cancelled.
        Status.HELD: {Status.BOOKED},
        Status.BOOKED: {Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW},
        Status.CHECKED_IN: {Status.COMPLETED, Status.NO_SHOW},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
        Status.NO_SHOW: set(),
    }

    # What the patient gives when booking, spelled once (form, services, export).
    PATIENT_FIELDS = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "patient_type",
        "contact_method",
        "message",
        "consent",
    )
    PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "message")

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    treatment = models.ForeignKey(
        "booking.Treatment",
        verbose_name=_("treatment"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # ends_at plus the treatment's cleanup buffer: what the calendar reserves.
    blocked_until = models.DateTimeField(_("blocked until"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.HELD
    )
    hold_expires_at = models.DateTimeField(_("hold expires"), null=True, blank=True)

    # The patient, as on the request form; empty while the time is only held.
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=20, validators=[validate_e164], blank=True
    )
    patient_type = models.CharField(
        _("new or returning"),
        max_length=10,
        choices=AppointmentRequest.PatientType.choices,
        blank=True,
    )
    contact_method = models.CharField(
        _("how to contact"),
        max_length=10,
        choices=AppointmentRequest.ContactMethod.choices,
        blank=True,
    )
    message = models.CharField(_("message"), max_length=1000, blank=True)
    consent = models.BooleanField(_("consent to be contacted"), default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the patient, online."),
    )
    source_article = models.ForeignKey(
        "blog.Article",
        verbose_name=_("came from article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    appointment_request = models.ForeignKey(
        "booking.AppointmentRequest",
        verbose_name=_("from request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    cancellation_reason = models.CharField(
        _("cancellation reason"), max_length=300, blank=True
    )
    cancelled_at = models.DateTimeField(
        _("cancelled at"), null=True, blank=True, editable=False
    )
    cancelled_by = models.CharField(
        _("cancelled by"),
        max_length=8,
        choices=[("patient", _("The patient")), ("clinic", _("The clinic"))],
        blank=True,
        editable=False,
    )
    # Decided when it happens, with the cut-off of that day: a patient's
    # cancellation inside BOOKING_CANCELLATION_CUTOFF_HOURS counts on their
    # record; the clinic's never does.
    late_cancellation = models.BooleanField(
        _("cancelled late"), default=False, editable=False
    )
    # The patient's link to see, move or cancel this appointment (see
    # booking.views.manage); sent only to the patient, shown nowhere else.
    manage_token = models.CharField(
        max_length=64, unique=True, default=new_manage_token, editable=False
    )
    # Separate from `consent` and optional: one "time to rebook?" email when
    # the treatment usually wears off. Empty: not agreed, or unsubscribed.
    marketing_consent_at = models.DateTimeField(
        _("agreed to a rebooking reminder"), null=True, blank=True, editable=False
    )
    # Emails, each claimed before the mail server is called and stamped sent
    # afterwards (see booking.emails).
    confirmation_email_claimed_at = models.DateTimeField(
        null=True, blank=True, editable=False
    )
    confirmation_email_sent_at = models.DateTimeField(
        _("confirmation email sent"), null=True, blank=True, editable=False
    )
    clinic_email_claimed_at = models.DateTimeField(
        null=True, blank=True, editable=False
    )
    clinic_email_sent_at = models.DateTimeField(
        _("clinic email sent"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            # updated_at included: scheduling.calendar_version, read on every
            # cached times page, is then answered from the index alone.
            models.Index(
                fields=["location", "starts_at"],
                include=["updated_at"],
                name="appointment_day_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at"))
                & models.Q(blocked_until__gte=models.F("ends_at")),
                name="appointment_times_in_order",
                violation_error_message=_("An appointment must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=AppointmentStatus.CANCELLED)
                | models.Q(cancelled_at__isnull=True),
                name="appointment_cancelled_at_only_when_cancelled",
                violation_error_message=_(
                    "Only a cancelled appointment has a cancellation time."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AppointmentStatus.HELD)
                | models.Q(hold_expires_at__isnull=False),
                name="appointment_hold_expires",
                violation_error_message=_("A held time needs an expiry."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=AppointmentStatus.HELD)
                | (
                    ~models.Q(first_name="")
                    & ~models.Q(email="")
                    & ~models.Q(phone="")
                    & models.Q(consent=True)
                ),
                name="appointment_has_patient",
                violation_error_message=_(
                    "A booked appointment needs the patient's name, email, phone "
                    "and consent."
                ),
            ),
            ExclusionConstraint(
                name="appointment_no_provider_overlap",
                expressions=[
                    (IdRange("provider"), RangeOperators.OVERLAPS),
                    (
                        TsTzRange("starts_at", "blocked_until", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                violation_error_message=_(
                    "The provider is already booked at that time."
                ),
            ),
            ExclusionConstraint(
                name="appointment_no_room_overlap",
                expressions=[
                    (IdRange("room"), RangeOperators.OVERLAPS),
                    (
                        TsTzRange("starts_at", "blocked_until", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                # int8range(NULL, NULL) is unbounded: it would overlap every room.
                condition=models.Q(status__in=ACTIVE_STATUSES, room__isnull=False),
                violation_error_message=_("The room is already booked at that time."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def change_deadline(self) -> datetime.datetime:
        """Until when the patient may cancel or move it online; a patient's
        cancellation after it is a late one."""
        cutoff = datetime.timedelta(hours=settings.BOOKING_CANCELLATION_CUTOFF_HOURS)
        return self.starts_at - cutoff


class CalendarVersion(models.Model):
    """One row whose value PostgreSQL triggers raise on every change to what
    decides free times (appointments, schedules, time off, hours, closures,
    rooms, providers, treatments); see migration 0012.

    The triggers run inside the writing transaction, so the new value becomes
    visible together with the change, never before it: a cached times page
    stored under the old value is never taken for current.
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("calendar version")

    def __str__(self) -> str:
        return str(self.value)

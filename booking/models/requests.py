import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models.lifecycle import Lifecycle
from booking.phones import validate_e164


class TreatmentQuerySet(models.QuerySet):
    def active(self) -> "TreatmentQuerySet":
        return self.filter(is_active=True)

    def featured(self) -> "TreatmentQuerySet":
        return self.active().filter(is_featured=True)

    def bookable_online(self) -> "TreatmentQuerySet":
        """Treatments patients book a time for themselves (the rest: a request)."""
        return self.active().filter(is_bookable_online=True)


class Treatment(models.Model):
    class Category(models.TextChoices):
        INJECTABLES = "injectables", _("Injectables")
        SKIN = "skin", _("Skin treatments")
        MEDICAL = "medical", _("Medical aesthetics")
        CONSULTATION = "consultation", _("Consultations")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"))
    areas_treated = models.CharField(_("areas treated"), max_length=300, blank=True)
    results_appear = models.CharField(_("results appear"), max_length=120, blank=True)
    results_last = models.CharField(_("results last"), max_length=120, blank=True)
    price_from = models.DecimalField(
        _("price from"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown on the home page.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Online booking (see booking.scheduling): how the calendar treats it.
    is_bookable_online = models.BooleanField(
        _("bookable online"),
        default=False,
        help_text=_("Patients pick a free time themselves; otherwise they request."),
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("cleanup after (minutes)"), default=0
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=120,
        help_text=_("How soon before it starts a time can still be booked online."),
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=60,
        help_text=_("How far ahead patients can book online."),
    )
    new_patient_treatment = models.ForeignKey(
        "self",
        verbose_name=_("new patients book instead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "E.g. a consultation, or a combined consultation and treatment: "
            "what a patient new to the clinic books first (see "
            "booking.rules.treatment_to_book)."
        ),
    )
    rebook_after_days = models.PositiveSmallIntegerField(
        _("rebook after (days)"),
        null=True,
        blank=True,
        help_text=_(
            "When patients typically come back for it, e.g. 105 for a "
            "neuromodulator (about 3–4 months). Patients who agreed get one "
            "“time to rebook?” email then. Empty: no such email."
        ),
    )
    # Made by `manage.py load_demo_treatments`; demo_fingerprint is what the
    # loader wrote, so it updates only what nobody has changed since.
    is_demo = models.BooleanField(_("demo content"), default=False, editable=False)
    demo_fingerprint = models.CharField(max_length=64, editable=False, blank=True)
    room_kind = models.ForeignKey(
        "booking.RoomKind",
        verbose_name=_("needs a room of kind"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="treatments",
    )

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("treatment")
        verbose_name_plural = _("treatments")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(new_patient_treatment=models.F("pk")),
                name="treatment_new_patients_book_another",
                violation_error_message=_(
                    "New patients must book another treatment than this one."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("booking:treatment-detail", kwargs={"slug": self.slug})

    def clean(self):
        """New patients start with a treatment in one step: an active one
        that sends nobody on again (so the rule can never go round in a
        circle)."""
        substitute = self.new_patient_treatment
        if substitute is None:
            return
        if not substitute.is_active:
            raise ValidationError(
                {"new_patient_treatment": _("Choose an active treatment.")}
            )
        if substitute.new_patient_treatment_id is not None or (
            self.pk and Treatment.objects.filter(new_patient_treatment=self).exists()
        ):
            raise ValidationError(
                {
                    "new_patient_treatment": _(
                        "New patients start with one treatment, not a chain: "
                        "choose one that sends nobody on, for a treatment no "
                        "other one sends patients to."
                    )
                }
            )


class AppointmentRequestQuerySet(models.QuerySet):
    def open(self) -> "AppointmentRequestQuerySet":
        return self.filter(status__in=AppointmentRequest.OPEN_STATUSES)

    def expired(self, *, days: int) -> "AppointmentRequestQuerySet":
        """Closed requests older than the retention period that still hold
        patient data (an open request is still being worked)."""
        cutoff = timezone.now() - datetime.timedelta(days=days)
        return self.filter(created_at__lt=cutoff, anonymized_at__isnull=True).exclude(
            status__in=AppointmentRequest.OPEN_STATUSES
        )

    def with_unsent_emails(self) -> "AppointmentRequestQuerySet":
        return self.filter(
            models.Q(patient_email_sent_at__isnull=True, patient_email_withheld=False)
            | models.Q(clinic_email_sent_at__isnull=True),
            anonymized_at__isnull=True,
        )

    def submitted_before(self, *, form_token, email) -> "AppointmentRequestQuerySet":
        """The request stored from this form, if any, and the requests from this
        address still new, oldest first: where a patient who went back and sent
        the same form again would find their request.

        Whether one is that request (sent within DUPLICATE_WINDOW, identical in
        everything the patient typed) is booking.services' comparison, made in
        Python: with the time or the other fields in the query, PostgreSQL
        working from statistics older than the latest requests read every
        recent request, or every one for the treatment, on each post
        (PERFORMANCE.md 14). As it is, only the form token and the address's
        index (request_email) can serve it. It reads all of the address's
        requests still new, of any age: few while staff work them; should
        someone pile many on one address, only that address's posts slow down.
        """
        return self.filter(
            models.Q(form_token=form_token)
            | models.Q(email__iexact=email, status=AppointmentRequest.Status.NEW)
        ).order_by("created_at")

    def today_counts(self) -> dict[str, int]:
        """Counts for the admin index: new, to call back, scheduled today."""
        today = timezone.localdate()
        return self.aggregate(
            new=models.Count(
                "pk", filter=models.Q(status=AppointmentRequest.Status.NEW)
            ),
            to_call_back=models.Count(
                "pk", filter=models.Q(status=AppointmentRequest.Status.CONTACTED)
            ),
            scheduled_today=models.Count(
                "pk",
                filter=models.Q(
                    status=AppointmentRequest.Status.SCHEDULED,
                    scheduled_for__date=today,
                ),
            ),
        )


class AppointmentRequestStatus(models.TextChoices):
    """AppointmentRequest.Status; defined here so its Meta's constraints can name it."""

    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    DECLINED = "declined", _("Declined")


class TimeOfDay(models.TextChoices):
    ANY = "any", _("Any time")
    MORNING = "morning", _("Morning (9–12)")
    AFTERNOON = "afternoon", _("Afternoon (12–5)")
    EVENING = "evening", _("Evening (after 5)")


# The local clock times ["HH:MM", "HH:MM") each time of day covers, wherever a
# time of day is matched (a request's preferred time against opening hours, a
# freed time against waitlist entries). Morning starts at midnight: an 8:30
# opening is still the morning.
TIME_OF_DAY_WINDOWS = {
    TimeOfDay.MORNING: ("00:00", "12:00"),
    TimeOfDay.AFTERNOON: ("12:00", "17:00"),
    TimeOfDay.EVENING: ("17:00", "24:00"),
}


class AppointmentRequest(Lifecycle):
    Status = AppointmentRequestStatus
    INITIAL_STATUSES = frozenset({Status.NEW})
    lifecycle_subject = _("A request")

    TimeOfDay = TimeOfDay

    class PatientType(models.TextChoices):
        NEW = "new", _("New patient")
        RETURNING = "returning", _("Returning patient")

    class ContactMethod(models.TextChoices):
        CALL = "call", _("Phone call")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("Email")

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.SCHEDULED)
    # The status lifecycle: from each status, where staff may move a request.
    # "New" means nobody has touched it yet, so nothing ever returns there;
    # closed requests may be reopened as "contacted" (the patient called back).
    TRANSITIONS = {
        Status.NEW: {
            Status.CONTACTED,
            Status.SCHEDULED,
            Status.CANCELLED,
            Status.DECLINED,
        },
        Status.CONTACTED: {Status.SCHEDULED, Status.CANCELLED, Status.DECLINED},
        Status.SCHEDULED: {
            Status.CONTACTED,
            Status.COMPLETED,
            Status.CANCELLED,
            Status.NO_SHOW,
        },
        Status.COMPLETED: set(),
        Status.CANCELLED: {Status.CONTACTED},
        Status.NO_SHOW: {Status.CONTACTED},
        Status.DECLINED: {Status.CONTACTED},
    }
    # What a patient submits, spelled once: the public form, the submit service,
    # the duplicate check and the CSV export are all driven from this list.
    PATIENT_FIELDS = (
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
    # The patient fields (plus free text) that identify a person: erased on
    # anonymisation; treatment and dates stay for statistics.
    PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "message")
    # A patient who goes back and sends the same details again under a new token.
    DUPLICATE_WINDOW = datetime.timedelta(minutes=30)

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    # One per rendered form: a replayed or double-clicked submit finds its row.
    form_token = models.UUIDField(_("form token"), unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(
        _("mobile phone"), max_length=20, validators=[validate_e164]
    )
    treatment = models.ForeignKey(
        Treatment,
        verbose_name=_("treatment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointment_requests",
        help_text=_("Empty: not sure yet, wants a consultation."),
    )
    preferred_date = models.DateField(_("preferred date"))
    preferred_time = models.CharField(
        _("preferred time of day"),
        max_length=10,
        choices=TimeOfDay.choices,
        default=TimeOfDay.ANY,
    )
    patient_type = models.CharField(
        _("new or returning"), max_length=10, choices=PatientType.choices
    )
    contact_method = models.CharField(
        _("how to contact"), max_length=10, choices=ContactMethod.choices
    )
    message = models.CharField(_("message"), max_length=1000, blank=True)
    consent = models.BooleanField(_("consent to be contacted"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    scheduled_for = models.DateTimeField(_("appointment"), null=True, blank=True)
    staff_notes = models.TextField(_("staff notes"), max_length=5000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_path = models.CharField(_("came from page"), max_length=200, blank=True)
    source_article = models.ForeignKey(
        "blog.Article",
        verbose_name=_("came from article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment_requests",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Each email is claimed (committed) before the mail server is called and
    # stamped sent afterwards, so no row lock is held while SMTP is slow.
    patient_email_claimed_at = models.DateTimeField(
        _("patient email being sent since"), null=True, blank=True, editable=False
    )
    patient_email_sent_at = models.DateTimeField(
        _("patient email sent"), null=True, blank=True
    )
    patient_email_withheld = models.BooleanField(
        _("patient email withheld"),
        default=False,
        help_text=_(
            "Not sent: this address had already received the day's limit of "
            "acknowledgments."
        ),
    )
    clinic_email_claimed_at = models.DateTimeField(
        _("clinic email being sent since"), null=True, blank=True, editable=False
    )
    clinic_email_sent_at = models.DateTimeField(
        _("clinic email sent"), null=True, blank=True
    )
    anonymized_at = models.DateTimeField(_("anonymized"), null=True, blank=True)

    objects = AppointmentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("appointment request")
        permissions = [("export_appointmentrequest", _("Can export requests as CSV"))]
        indexes = [
            # The duplicate check's lookup (submitted_before): the few requests
            # of one address, however many others there are.
            models.Index(Upper("email"), name="request_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent=True)
                | models.Q(anonymized_at__isnull=False),
                name="appointmentrequest_consent_given",
                violation_error_message=_("Consent to be contacted is required."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AppointmentRequestStatus.SCHEDULED)
                | models.Q(scheduled_for__isnull=False),
                name="appointmentrequest_scheduled_has_time",
                violation_error_message=_(
                    "A scheduled request needs the appointment date and time."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def is_frozen(self) -> bool:
        return self.anonymized_at is not None


class AuditEntry(models.Model):
    """Append-only record of who read or changed appointment requests and
    appointments."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        VIEWED = "viewed", _("Viewed")
        # Listed by a staff search (the admin's changelist with a search term).
        SEARCHED = "searched", _("Found by a search")
        CHANGED = "changed", _("Changed")
        EXPORTED = "exported", _("Exported")
        ANONYMIZED = "anonymized", _("Anonymized")

    appointment_request = models.ForeignKey(
        AppointmentRequest,
        verbose_name=_("appointment request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    appointment = models.ForeignKey(
        "booking.Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the patient or the system."),
    )
    by_patient = models.BooleanField(
        _("by the patient"),
        default=False,
        help_text=_("Done by the patient online, e.g. from their manage link."),
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    # Field names with old/new values; private fields only as "changed" (see
    # booking.audit), so the trail itself never holds patient details.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


class RateLimitCounter(models.Model):
    """Form posts per client per fixed window; the key is an HMAC, never an IP."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="ratelimitcounter_unique_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.window_start:%H:%M} ×{self.count}"

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TreatmentQuerySet(models.QuerySet):
    def active(self) -> "TreatmentQuerySet":
        return self.filter(is_active=True)

    def featured(self) -> "TreatmentQuerySet":
        return self.active().filter(is_featured=True)


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

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("booking:treatment-detail", kwargs={"slug": self.slug})


class AppointmentRequestQuerySet(models.QuerySet):
    def open(self) -> "AppointmentRequestQuerySet":
        return self.filter(status__in=AppointmentRequest.OPEN_STATUSES)

    def expired(self, *, days: int) -> "AppointmentRequestQuerySet":
        """Requests older than the retention period that still hold patient data."""
        cutoff = timezone.now() - datetime.timedelta(days=days)
        return self.filter(created_at__lt=cutoff, anonymized_at__isnull=True)

    def with_unsent_emails(self) -> "AppointmentRequestQuerySet":
        return self.filter(
            models.Q(patient_email_sent_at__isnull=True)
            | models.Q(clinic_email_sent_at__isnull=True),
            anonymized_at__isnull=True,
        )

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


class AppointmentRequest(models.Model):
    class Status(models.TextChoices):
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

    class PatientType(models.TextChoices):
        NEW = "new", _("New patient")
        RETURNING = "returning", _("Returning patient")

    class ContactMethod(models.TextChoices):
        CALL = "call", _("Phone call")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("Email")

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.SCHEDULED)

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    # One per rendered form: a replayed or double-clicked submit finds its row.
    form_token = models.UUIDField(_("form token"), unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(_("mobile phone"), max_length=20)
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
    patient_email_sent_at = models.DateTimeField(
        _("patient email sent"), null=True, blank=True
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent=True)
                | models.Q(anonymized_at__isnull=False),
                name="appointmentrequest_consent_given",
                violation_error_message=_("Consent to be contacted is required."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled")
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


class AuditEntry(models.Model):
    """Append-only record of who read or changed appointment requests."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        VIEWED = "viewed", _("Viewed")
        CHANGED = "changed", _("Changed")
        EXPORTED = "exported", _("Exported")
        ANONYMIZED = "anonymized", _("Anonymized")

    appointment_request = models.ForeignKey(
        AppointmentRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    # Field names with old/new values; free-text staff fields only as "changed",
    # so the trail itself never holds patient details.
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

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

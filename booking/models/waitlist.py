"""Patients waiting for a time that suits them; see booking.waitlist."""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models.requests import AppointmentRequest


def new_waitlist_token() -> str:
    return secrets.token_urlsafe(32)


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        BOOKED = "booked", _("Booked")
        EXPIRED = "expired", _("Expired")
        REMOVED = "removed", _("Removed")

    TimeOfDay = AppointmentRequest.TimeOfDay

    treatment = models.ForeignKey(
        "booking.Treatment",
        verbose_name=_("treatment"),
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
    )
    location = models.ForeignKey(
        "booking.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    earliest_date = models.DateField(_("from"))
    latest_date = models.DateField(_("until"))
    time_of_day = models.CharField(
        _("time of day"),
        max_length=10,
        choices=TimeOfDay.choices,
        default=TimeOfDay.ANY,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    # The secret in the patient's links (book an offered time, leave the list).
    token = models.CharField(
        max_length=64, unique=True, default=new_waitlist_token, editable=False
    )
    appointment = models.ForeignKey(
        "booking.Appointment",
        verbose_name=_("booked as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # First come, first offered.
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        indexes = [
            models.Index(
                fields=["treatment", "status", "latest_date"],
                name="waitlist_matching_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latest_date__gte=models.F("earliest_date")),
                name="waitlist_dates_in_order",
                violation_error_message=_(
                    "The last day must be on or after the first day."
                ),
            )
        ]

    def __str__(self) -> str:
        first, last = self.earliest_date, self.latest_date
        return f"{self.treatment} {first:%Y-%m-%d}–{last:%Y-%m-%d}"

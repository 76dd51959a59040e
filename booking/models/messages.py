"""Messages to patients and the clinic that must go out exactly once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMessage(models.Model):
    """One email or text message, sent at most once.

    Its key says what it is for ("reminder-24h-sms:41:2026-12-01T15:00:00+00:00"):
    the unique constraint on it is the send-once guarantee, whatever the number
    of workers (see booking.outbox). The row holds no patient details.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    key = models.CharField(_("key"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    appointment = models.ForeignKey(
        "booking.Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outgoing_messages",
    )
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")

    def __str__(self) -> str:
        return self.key

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Lifecycle(models.Model):
    """A status that moves only along TRANSITIONS, checked against the stored
    row (AppointmentRequest, Appointment).

    The row's values as read (or last saved) are kept in `loaded_values`, so a
    move is judged from where the row really is, and booking.audit can record
    exactly what changed.
    """

    # status -> the statuses it may move to; set by each model.
    TRANSITIONS: dict[str, set[str]] = {}
    # The statuses a new row may start in.
    INITIAL_STATUSES: frozenset[str] = frozenset()
    # "A request", "An appointment": how the error message names the row.
    lifecycle_subject = _("This")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # What is stored now is what the next transition or diff starts from.
        self.loaded_values = {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.attname in self.__dict__
        }

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        instance.loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def clean(self):
        self.check_transition(self.status)

    @property
    def loaded_status(self) -> str | None:
        """The status as stored, or None for a row not saved yet."""
        return getattr(self, "loaded_values", {}).get("status")

    def is_frozen(self) -> bool:
        """True when the status may not move at all (e.g. anonymised)."""
        return False

    def allowed_statuses(self) -> set[str]:
        """Where this row may move next, according to TRANSITIONS."""
        if self.loaded_status is None:
            return set(self.INITIAL_STATUSES)
        return self.TRANSITIONS[self.loaded_status]

    def check_transition(self, status: str) -> None:
        """Raise ValidationError unless moving from the stored status to
        `status` is allowed (staying put always is)."""
        current = self.loaded_status
        if status == current or (current is None and status in self.INITIAL_STATUSES):
            return
        if self.is_frozen():
            raise ValidationError(
                {
                    "status": ValidationError(
                        _("An anonymised record keeps its status."), code="frozen"
                    )
                }
            )
        if status in self.allowed_statuses():
            return
        choices = dict(self._meta.get_field("status").flatchoices)
        allowed = sorted(str(choices[choice]) for choice in self.allowed_statuses())
        raise ValidationError(
            {
                "status": ValidationError(
                    _(
                        "%(subject)s that is %(current)s cannot be marked "
                        "%(status)s. From here it can be: %(allowed)s."
                    ),
                    code="invalid_transition",
                    params={
                        "subject": self.lifecycle_subject,
                        "current": str(choices.get(current, _("new"))).lower(),
                        "status": str(choices[status]).lower(),
                        "allowed": ", ".join(allowed).lower() or _("nothing else"),
                    },
                )
            }
        )

"""The waitlist: patients waiting for a time that suits them, offered freed
times in the order they joined.

Time freed by a cancellation or move (time_freed) is offered by the task
offer_freed_time once the freeing transaction commits: for every treatment
with patients waiting that day at that location, the free times that now start
inside the freed interval are offered, the earliest that suits each entry, to
the first BOOKING_WAITLIST_OFFERS matching entries of that treatment, each once
(booking.outbox). Nothing is reserved for them: whoever books first gets it,
the calendar's exclusion constraints settle the race, and the others see the
nearest free times that still suit them (entry_slots).
"""

import datetime
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from booking import ratelimit
from booking.availability import Slot
from booking.models import (
    TIME_OF_DAY_WINDOWS,
    Appointment,
    Location,
    Treatment,
    WaitlistEntry,
)
from booking.outbox import NOTHING_TO_SEND, deliver_once
from booking.scheduling import available_slots
from booking.tasks import send_or_retry

TimeOfDay = WaitlistEntry.TimeOfDay
# The session remembers which entry an offer page was opened for, so the
# booking that follows can mark it booked (waitlist_booked).
SESSION_ENTRY_KEY = "booking_waitlist_entry"


# --- Joining and leaving ----------------------------------------------------------


def waitlist_join(
    *,
    treatment: Treatment,
    location: Location,
    first_name: str,
    email: str,
    earliest_date: datetime.date,
    latest_date: datetime.date,
    time_of_day: str,
    client_ip: str | None,
) -> tuple[WaitlistEntry, bool]:
    """Put a patient on the waitlist for a treatment, a date range and a time
    of day; return the entry and whether it was created now.

    Raises ValidationError (by field) for dates in the past, out of order or
    beyond the treatment's booking horizon, and RateLimited past
    BOOKING_RATE_LIMIT joins per client address and window. A patient already
    waiting for this treatment on overlapping dates keeps that one entry, and
    it is returned with created=False. Anyone may type an address, so that
    entry is not the caller's to show: never its days, never its token.
    """
    check_dates(
        treatment=treatment,
        location=location,
        earliest_date=earliest_date,
        latest_date=latest_date,
    )
    entry = WaitlistEntry(
        treatment=treatment,
        location=location,
        first_name=first_name,
        email=email,
        earliest_date=earliest_date,
        latest_date=latest_date,
        time_of_day=time_of_day,
    )
    # Field rules only: the dates were checked above, and the relations are
    # instances the caller looked up.
    entry.full_clean(
        exclude=["treatment", "location"],
        validate_unique=False,
        validate_constraints=False,
    )
    with transaction.atomic():
        # Concurrent joins by one address for one treatment wait here for each
        # other, so the lookup below sees the first one's row.
        ratelimit.lock_until_commit(f"booking.waitlist:{treatment.pk}:{email.lower()}")
        ratelimit.spend(scope="waitlist", subject=client_ip or "unknown")
        earlier = WaitlistEntry.objects.filter(
            status=WaitlistEntry.Status.WAITING,
            treatment=treatment,
            email__iexact=email,
            earliest_date__lte=latest_date,
            latest_date__gte=earliest_date,
        ).first()
        if earlier is not None:
            return earlier, False
        entry.save(force_insert=True)
    return entry, True


def bookable_days(
    treatment: Treatment, location: Location
) -> tuple[datetime.date, datetime.date]:
    """Today and the last day the treatment can be booked, where it is."""
    today = timezone.localdate(timezone=location.zone)
    return today, today + datetime.timedelta(days=treatment.booking_horizon_days)


def check_dates(
    *,
    treatment: Treatment,
    location: Location,
    earliest_date: datetime.date,
    latest_date: datetime.date,
) -> None:
    """Raise ValidationError (by field) unless the days are in order, from
    today on and within the treatment's booking horizon."""
    today, last = bookable_days(treatment, location)
    errors = {}
    if earliest_date < today:
        errors["earliest_date"] = ValidationError(
            _("Choose today or a later date."), code="past_date"
        )
    if latest_date < earliest_date:
        errors["latest_date"] = ValidationError(
            _("The last day must be on or after the first day."), code="dates_order"
        )
    elif latest_date > last:
        errors["latest_date"] = ValidationError(
            _("We book up to %(last)s; choose that day or an earlier one."),
            code="too_far",
            params={"last": date_format(last, "F j, Y")},
        )
    if errors:
        raise ValidationError(errors)


def waitlist_remove(entries: QuerySet[WaitlistEntry]) -> int:
    """Take waiting entries off the waitlist; return how many were."""
    return entries.filter(status=WaitlistEntry.Status.WAITING).update(
        status=WaitlistEntry.Status.REMOVED, updated_at=timezone.now()
    )


def waitlist_leave(token: str) -> bool:
    """The patient's own "leave the waitlist"; True if their entry was waiting."""
    return waitlist_remove(WaitlistEntry.objects.filter(token=token)) > 0


def waitlist_booked(request, appointment: Appointment) -> None:
    """Mark the entry whose offer page this session opened as booked, if the
    patient went on to book its treatment."""
    entry_id = request.session.pop(SESSION_ENTRY_KEY, None)
    if entry_id is None:
        return
    WaitlistEntry.objects.filter(
        pk=entry_id,
        status=WaitlistEntry.Status.WAITING,
        treatment_id=appointment.treatment_id,
    ).update(
        status=WaitlistEntry.Status.BOOKED,
        appointment=appointment,
        updated_at=timezone.now(),
    )


def expire_entries() -> int:
    """Mark entries whose last day has passed, in their location's time zone,
    as expired; how many were."""
    waiting = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING)
    expired = 0
    for time_zone in (
        waiting.order_by().values_list("location__time_zone", flat=True).distinct()
    ):
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(time_zone))
        expired += waiting.filter(
            location__time_zone=time_zone, latest_date__lt=today
        ).update(status=WaitlistEntry.Status.EXPIRED, updated_at=timezone.now())
    return expired


# --- Which entries a time suits -----------------------------------------------------


def time_of_day(local_start: datetime.datetime) -> str | None:
    """The time of day (TIME_OF_DAY_WINDOWS) a local start time falls in."""
    clock = f"{local_start:%H:%M}"
    for choice, (start, end) in TIME_OF_DAY_WINDOWS.items():
        if start <= clock < end:
            return choice
    return None


def suits(entry: WaitlistEntry, starts_at: datetime.datetime) -> bool:
    """True if a time is within the entry's dates and time of day."""
    local = starts_at.astimezone(entry.location.zone)
    return entry.earliest_date <= local.date() <= entry.latest_date and (
        entry.time_of_day in (TimeOfDay.ANY, time_of_day(local))
    )


def waiting_on(*, location: Location, day: datetime.date) -> QuerySet[WaitlistEntry]:
    """Entries waiting at a location whose days include `day`, in join order."""
    return WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.WAITING,
        location=location,
        earliest_date__lte=day,
        latest_date__gte=day,
    ).order_by("created_at", "pk")


def is_free(
    *, location: Location, treatment: Treatment, starts_at: datetime.datetime
) -> bool:
    """True if the treatment can be booked at this time now (any provider)."""
    day = starts_at.astimezone(location.zone).date()
    slots = available_slots(
        location=location, treatment=treatment, first_day=day, last_day=day
    )
    return any(slot.starts_at == starts_at for slot in slots)


def entry_slots(entry: WaitlistEntry) -> list[Slot]:
    """The free times that suit a waiting entry, from today to its last day."""
    zone = entry.location.zone
    first_day = max(entry.earliest_date, timezone.localdate(timezone=zone))
    if first_day > entry.latest_date:
        return []
    slots = available_slots(
        location=entry.location,
        treatment=entry.treatment,
        first_day=first_day,
        last_day=entry.latest_date,
    )
    return [slot for slot in slots if suits(entry, slot.starts_at)]


# --- Offering a freed time ------------------------------------------------------------


def time_freed(appointment: Appointment) -> None:
    """Tell the waitlist that `appointment`'s time (as loaded) is free again.

    Called inside the transaction that cancels or moves it, before its times
    change; the offers go out from the task worker once that transaction
    commits (the task is queued in it: booking.tasks).
    """
    # Read now: a move changes the times on this same object afterwards.
    starts_at, blocked_until = appointment.starts_at, appointment.blocked_until
    if starts_at <= timezone.now():
        return
    arguments = {
        "location_id": appointment.location_id,
        "starts_at": starts_at.astimezone(datetime.UTC).isoformat(),
        "blocked_until": blocked_until.astimezone(datetime.UTC).isoformat(),
    }
    offer_freed_time.enqueue(**arguments)


@task()
def offer_freed_time(
    location_id: int, starts_at: str, blocked_until: str, attempt: int = 1
) -> str:
    """Email the first waitlisted patients the freed time suits, each once,
    retrying while the mail server is down."""
    return send_or_retry(
        offer_freed_time,
        lambda: waitlist_offer_send(
            location_id=location_id,
            starts_at=datetime.datetime.fromisoformat(starts_at),
            blocked_until=datetime.datetime.fromisoformat(blocked_until),
        ),
        f"waitlist offers at location id={location_id} from {starts_at}",
        attempt,
        location_id=location_id,
        starts_at=starts_at,
        blocked_until=blocked_until,
    )


def freed_offers(
    *,
    location: Location,
    starts_at: datetime.datetime,
    blocked_until: datetime.datetime,
) -> list[tuple[WaitlistEntry, datetime.datetime]]:
    """The offers time freed at a location makes possible, as (entry, time).

    For each treatment with entries waiting that local day: its free times
    starting in [starts_at, blocked_until), the earliest that suits each
    entry, for its first BOOKING_WAITLIST_OFFERS entries with such a time in
    join order. (A time starting there may have been free before, with another
    provider: it is offered all the same, as the nearest free time.)

    The queries grow with the treatments waited for, never with the entries:
    one, then per treatment its free times (available_slots) and its entries.
    """
    zone = location.zone
    # A clinic day does not cross midnight: the freed time is on one day.
    day = starts_at.astimezone(zone).date()
    waiting = waiting_on(location=location, day=day)
    offers = []
    for treatment in Treatment.objects.bookable_online().filter(
        pk__in=waiting.values("treatment_id")
    ):
        times = [
            slot.starts_at
            for slot in available_slots(
                location=location, treatment=treatment, first_day=day, last_day=day
            )
            if starts_at <= slot.starts_at < blocked_until
        ]
        if not times:
            continue
        kinds = {TimeOfDay.ANY, *(time_of_day(t.astimezone(zone)) for t in times)}
        entries = waiting.filter(treatment=treatment, time_of_day__in=kinds)
        for entry in entries[: settings.BOOKING_WAITLIST_OFFERS]:
            entry.treatment, entry.location = treatment, location
            offers.append((entry, next(t for t in times if suits(entry, t))))
    return offers


def waitlist_offer_send(
    *,
    location_id: int,
    starts_at: datetime.datetime,
    blocked_until: datetime.datetime,
) -> int:
    """Offer the free times that time freed at a location makes possible
    (freed_offers); return how many patients were emailed now.

    Each entry is emailed about one time at most once, however often the time
    is freed or the task runs. Call it outside a transaction (see
    booking.outbox). Every entry is tried even if one address fails; the first
    error is raised afterwards so the task retries what is left.
    """
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        return 0
    offers = freed_offers(
        location=location, starts_at=starts_at, blocked_until=blocked_until
    )
    sent, errors = 0, []
    for entry, offered in offers:
        moment = offered.astimezone(datetime.UTC).isoformat()
        try:
            sent += deliver_once(
                key=f"waitlist-offer:{entry.pk}:{moment}",
                channel="email",
                send=lambda entry=entry, offered=offered: _send_offer(entry, offered),
            )
        except OSError as error:  # smtplib.SMTPException and socket errors
            errors.append(error)
    if errors:
        raise errors[0]
    return sent


def _send_offer(entry: WaitlistEntry, starts_at: datetime.datetime) -> bool:
    # The patient may have left or booked since the entries were read.
    if not WaitlistEntry.objects.filter(
        pk=entry.pk, status=WaitlistEntry.Status.WAITING
    ).exists():
        return NOTHING_TO_SEND
    waitlist_offer_email(entry, starts_at).send()
    return True


def waitlist_offer_email(
    entry: WaitlistEntry, starts_at: datetime.datetime
) -> EmailMessage:
    """The offer: treatment, time and place, a link to book it and one to
    leave the waitlist. No other patient details (not even the first name)."""
    site = settings.SITE_URL.rstrip("/")
    offer_path = reverse("booking:waitlist-offer", kwargs={"token": entry.token})
    start = urlencode({"start": starts_at.astimezone(datetime.UTC).isoformat()})
    body = render_to_string(
        "booking/email/waitlist_offer.txt",
        {
            "entry": entry,
            "treatment": entry.treatment,
            "location": entry.location,
            "local_start": starts_at.astimezone(entry.location.zone),
            "book_url": f"{site}{offer_path}?{start}",
            "leave_url": site
            + reverse("booking:waitlist-leave", kwargs={"token": entry.token}),
            "clinic": settings.CLINIC,
        },
    )
    return EmailMessage(
        subject=f"{settings.CLINIC['name']}: a time you were waiting for is free",
        body=body,
        to=[entry.email],
    )

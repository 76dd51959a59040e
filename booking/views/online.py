"""Online booking: pick a free time, hold it, give details, confirmed."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django.views.generic import TemplateView

from booking import ratelimit, rules, scheduling
from booking.emails import calendar_file
from booking.forms import AppointmentDetailsForm, published_article
from booking.http import (
    ARTICLE_PARAM,
    MAX_SLUG_LENGTH,
    TREATMENT_PARAM,
    booking_url,
    client_ip,
    request_form_url,
)
from booking.models import Appointment, Treatment
from booking.ratelimit import RateLimited
from booking.scheduling import (
    SlotTaken,
    appointment_confirm,
    appointment_hold,
    available_slots,
    treatment_location,
)
from booking.views.cached import cached_form_page
from booking.waitlist import waitlist_booked

HOLD_KEY = "booking_hold_id"
# "new" or "returning", as the patient answered before choosing a time.
PATIENT_TYPE_KEY = "booking_patient_type"
PATIENT_PARAM = "patient"
# On a substitute's times page: the treatment the new patient asked for.
ASKED_FOR_PARAM = "for"
HOLD_START_KEY = "booking_hold_starts_at"
ARTICLE_KEY = "booking_source_article"
BOOKED_KEY = "booking_appointment_id"
ALTERNATIVES = 6
MAX_BOOKING_AHEAD = datetime.timedelta(days=366)


@require_safe
def booking_start(request):
    """Where "Book" leads: the treatments bookable online and the request form.

    Links of the old shape (/book/?treatment=…&article=…) go straight on to the
    treatment's times, or to the request form, keeping the article credited.
    """
    slug = request.GET.get(TREATMENT_PARAM, "")[:MAX_SLUG_LENGTH]
    article = request.GET.get(ARTICLE_PARAM, "")[:MAX_SLUG_LENGTH]
    if slug:
        treatment = Treatment.objects.active().filter(slug=slug).first()
        return redirect(booking_url(treatment=treatment, article_slug=article))
    return render(
        request,
        "booking/booking_start.html",
        {
            "treatments": Treatment.objects.bookable_online(),
            "article": article,
            "request_url": booking_url(treatment=None, article_slug=article),
        },
    )


def week_start(value: str, today: datetime.date, last: datetime.date):
    """The first day of the week asked for, kept between today and `last`."""
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return today
    return min(max(day, today), last)


def _local(slot, zone):
    return slot.starts_at.astimezone(zone)


def nearest(slots, moment, count=ALTERNATIVES):
    """The free times closest to `moment`, in time order."""
    nearest = sorted(slots, key=lambda slot: abs(slot.starts_at - moment))[:count]
    return sorted(nearest, key=lambda slot: slot.starts_at)


def _calendar_for(treatment, provider_id: str):
    location = treatment_location(treatment)
    if location is None:
        raise Http404
    provider = None
    if provider_id.isascii() and provider_id.isdecimal():
        provider = location.providers.filter(
            pk=provider_id, is_active=True, treatments=treatment
        ).first()
    return location, provider


def all_slots(location, treatment, provider, first=None, last=None):
    """Free times from `first` to `last` (local days), by default the horizon."""
    today = timezone.localdate(timezone=location.zone)
    horizon = today + datetime.timedelta(days=treatment.booking_horizon_days)
    return available_slots(
        location=location,
        treatment=treatment,
        first_day=max(first or today, today),
        last_day=min(last or horizon, horizon),
        provider=provider,
    )


def slot_buttons(slots, zone) -> list[tuple[str, list[tuple[str, str]]]]:
    """(local day, [(value, label), ...]) per day, labels formatted once here
    rather than per button in the template. On a day the clock changes, each
    label carries its zone, so 1:30 AM EDT and 1:30 AM EST differ."""
    days: dict[datetime.date, list] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(zone)
        days.setdefault(local.date(), []).append((slot.starts_at, local))
    buttons = []
    for day, times in days.items():
        mixed = len({local.utcoffset() for _start, local in times}) > 1
        buttons.append(
            (
                day,
                [
                    (
                        start.isoformat(),
                        local.strftime("%-I:%M %p") + (f" {local:%Z}" if mixed else ""),
                    )
                    for start, local in times
                ],
            )
        )
    return buttons


# Its own per-process cache: patient-chosen ?article= values cannot crowd out
# the article pages and the clinic's details.
TIMES_CACHE_ALIAS = "times"
# A cached times page lives at most until the minute changes: minimum notice
# moves with the clock, and a lapsed hold frees its time without any write.
TIMES_CACHE_SECONDS = 60


def _times_page_key(request, slug) -> tuple:
    params = tuple(
        request.GET.get(name, "")[:MAX_SLUG_LENGTH]
        for name in ("provider", "week", ARTICLE_PARAM, PATIENT_PARAM, ASKED_FOR_PARAM)
    )
    # The minute too: minimum notice moves with the clock, and a lapsed hold
    # frees its time without any write.
    return (slug, *params, int(timezone.now().timestamp() // 60))


# Database triggers raise the calendar version with every booking, released
# hold, cancellation, move and every edit of schedules, time off, hours,
# closures, rooms, providers or treatments, inside the writing transaction, so
# a taken time is never served as free (one query per hit).
cached_times_page = cached_form_page(
    alias=TIMES_CACHE_ALIAS,
    seconds=TIMES_CACHE_SECONDS,
    key=_times_page_key,
    version=scheduling.calendar_version,
)


@never_cache
@require_http_methods(["GET", "POST"])
@cached_times_page
def availability(request, slug):
    """A week of free times for one treatment; choosing one holds it."""
    treatment = Treatment.objects.active().filter(slug=slug).first()
    if treatment is None:
        raise Http404
    if not treatment.is_bookable_online:
        return redirect(booking_url(treatment=treatment))
    source = request.POST if request.method == "POST" else request.GET
    # The article that brought the patient, carried along to the appointment.
    article = source.get(ARTICLE_PARAM, "")[:MAX_SLUG_LENGTH]
    patient_type = source.get(PATIENT_PARAM, "")
    # Sent here by the rule already: never apply it twice (no loop, whatever
    # the treatments say).
    sent_by_rule = bool(source.get(ASKED_FOR_PARAM))
    if treatment.new_patient_treatment_id is not None and not sent_by_rule:
        if patient_type not in ("new", "returning"):
            return render(
                request,
                "booking/new_or_returning.html",
                {"treatment": treatment, "article": article},
            )
        to_book = rules.treatment_to_book(treatment, new_patient=patient_type == "new")
        if to_book != treatment:
            return _start_elsewhere(request, treatment, to_book, article)
    asked_for = None
    if patient_type == "new" and source.get(ASKED_FOR_PARAM):
        asked_for = (
            Treatment.objects.active()
            .filter(
                slug=source.get(ASKED_FOR_PARAM, "")[:MAX_SLUG_LENGTH],
                new_patient_treatment=treatment,
            )
            .first()
        )
    location, provider = _calendar_for(treatment, source.get("provider", ""))
    zone = location.zone
    today = timezone.localdate(timezone=zone)
    taken_at = None
    alternatives = []
    if request.method == "POST":
        moment = parse_moment(request.POST.get("start", ""))
        # Only the chosen day's times matter for holding one.
        day = moment.astimezone(zone).date() if moment else today
        slots = all_slots(location, treatment, provider, day, day)
        try:
            hold = _hold(request, location, treatment, provider, slots, moment)
        except RateLimited:
            return render(
                request, "booking/appointmentrequest_refused.html", status=429
            )
        except SlotTaken:
            taken_at = moment or timezone.now()
            alternatives = alternatives_near(location, treatment, provider, taken_at)
        else:
            _remember_hold(request, hold)
            request.session[ARTICLE_KEY] = article
            request.session[PATIENT_TYPE_KEY] = patient_type
            return redirect("booking:details", slug=treatment.slug)
    # Carried by every form and link on the page, so a choice is not lost.
    carried = [
        (name, value)
        for name, value in (
            ("provider", provider.pk if provider else ""),
            (ARTICLE_PARAM, article),
            (
                PATIENT_PARAM,
                patient_type if patient_type in ("new", "returning") else "",
            ),
            (ASKED_FOR_PARAM, asked_for.slug if asked_for else ""),
        )
        if value
    ]
    return render(
        request,
        "booking/availability.html",
        {
            "treatment": treatment,
            "location": location,
            "zone": zone,
            "provider": provider,
            "providers": location.providers.filter(
                is_active=True, treatments=treatment
            ).order_by("display_name"),
            **week_of_times(location, treatment, provider, request.GET.get("week", "")),
            "taken_at": taken_at,
            "alternatives": alternatives,
            "article": article,
            "hidden": carried,
            "query": "".join(f"&{urlencode({name: value})}" for name, value in carried),
            "asked_for_note": new_patients_start_with(treatment, asked_for)
            if asked_for
            else "",
            "request_url": request_form_url(treatment=treatment, article_slug=article),
        },
        status=409 if taken_at else 200,
    )


def _start_elsewhere(request, treatment, to_book, article):
    """Send a new patient to the treatment they start with: its times, with
    the reason; or, when the clinic takes it by request only (or no longer
    offers it), the request form, the reason shown there."""
    if to_book.is_active and to_book.is_bookable_online:
        query = {ASKED_FOR_PARAM: treatment.slug, PATIENT_PARAM: "new"}
        if article:
            query[ARTICLE_PARAM] = article
        return redirect(
            reverse("booking:availability", args=[to_book.slug])
            + "?"
            + urlencode(query)
        )
    messages.info(request, new_patients_start_with(to_book, treatment))
    return redirect(
        request_form_url(
            treatment=to_book if to_book.is_active else treatment,
            article_slug=article,
        )
    )


def new_patients_start_with(first, treatment) -> str:
    return _(
        "New patients start with %(first)s: your provider first checks that "
        "%(treatment)s is right for you."
    ) % {"first": first.name, "treatment": treatment.name}


def week_of_times(location, treatment, provider, week: str) -> dict:
    """A week of free times as booking/includes/slot_days.html shows it, from
    the ISO day in `week` (kept between today and the horizon)."""
    zone = location.zone
    today = timezone.localdate(timezone=zone)
    horizon = today + datetime.timedelta(days=treatment.booking_horizon_days)
    first = week_start(week, today, horizon)
    last = first + datetime.timedelta(days=6)
    slots = all_slots(location, treatment, provider, first, last)
    # Only an empty week needs the next free day, so only then look further.
    later = [] if slots else all_slots(location, treatment, provider, last, None)
    later = [slot for slot in later if _local(slot, zone).date() > last]
    return {
        "days": slot_buttons(slots, zone),
        "week_start": first,
        "previous_week": first - datetime.timedelta(days=7) if first > today else None,
        "next_week": last + datetime.timedelta(days=1),
        "next_available": _local(later[0], zone).date() if later else None,
    }


def alternatives_near(location, treatment, provider, moment) -> list:
    """The free times nearest a time that was just taken, three days either side."""
    day = moment.astimezone(location.zone).date()
    return nearest(
        all_slots(
            location,
            treatment,
            provider,
            day - datetime.timedelta(days=3),
            day + datetime.timedelta(days=3),
        ),
        moment,
    )


def parse_moment(value: str) -> datetime.datetime | None:
    """An aware moment from the form, or None; only the coming year is worth
    reading (a date at the end of the calendar cannot even change zone)."""
    try:
        moment = datetime.datetime.fromisoformat(value[:40])
    except ValueError:
        return None
    if not timezone.is_aware(moment):
        return None
    now = timezone.now()
    if not now - datetime.timedelta(days=1) <= moment <= now + MAX_BOOKING_AHEAD:
        return None
    return moment


def _hold(request, location, treatment, provider, slots, moment):
    """Hold the chosen free time with the chosen provider, or with the free
    provider who has the fewest bookings that day; SlotTaken if none can."""
    ratelimit.spend(
        scope="hold",
        subject=client_ip(request) or "unknown",
        limit=settings.BOOKING_HOLD_LIMIT,
    )
    slot = next((slot for slot in slots if slot.starts_at == moment), None)
    if slot is None:
        raise SlotTaken
    return scheduling.take_slot(
        slot,
        [provider.pk] if provider else scheduling.providers_in_order(slot, location),
        lambda provider, room: appointment_hold(
            location=location,
            treatment=treatment,
            provider=provider,
            room=room,
            starts_at=slot.starts_at,
        ),
    )


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class AppointmentDetailsView(TemplateView):
    """The patient's details for the time they hold; booking confirms it.

    If the hold lapsed and someone took the time meanwhile, the patient keeps
    everything they typed and picks one of the nearest free times instead.
    """

    template_name = "booking/appointment_details.html"
    form_class = AppointmentDetailsForm

    def dispatch(self, request, *args, **kwargs):
        self.treatment = (
            Treatment.objects.bookable_online().filter(slug=kwargs["slug"]).first()
        )
        held_id = request.session.get(HOLD_KEY)
        if self.treatment is None or held_id is None:
            return redirect("booking:availability", slug=kwargs["slug"])
        if held_id == request.session.get(BOOKED_KEY):
            return redirect("booking:confirmed")  # a second click on "Book"
        self.hold = (
            Appointment.objects.select_related("treatment", "provider", "location")
            .filter(
                pk=held_id, status=Appointment.Status.HELD, treatment=self.treatment
            )
            .first()
        )
        if self.hold is None and request.method != "POST":
            return redirect("booking:availability", slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None, **kwargs):
        patient_type = self.request.session.get(PATIENT_TYPE_KEY, "")
        if patient_type:
            kwargs.setdefault("initial", {}).setdefault("patient_type", patient_type)
        return self.form_class(data, treatment=self.treatment, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context["hold"] = self.hold
        context["policy"] = cancellation_policy()
        context["consultation_url"] = getattr(self, "consultation_url", None)
        context["treatment"] = self.treatment
        zone = self.hold.location.time_zone if self.hold else settings.TIME_ZONE
        context.setdefault("treatment_zone", zone)
        return context

    def post(self, request, *args, **kwargs):
        if "alternative" in request.POST:
            return self.switch_time(request)
        form = self.get_form(request.POST)
        if form.is_valid():
            self.check_consultation_rule(form)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if form.is_bot():
            return render(request, "booking/appointmentrequest_refused.html")
        if form.is_too_fast():
            form.refresh_form_token()
            form.add_error(
                None, _("Please check your details, then press “Book” again.")
            )
            return self.render_to_response(self.get_context_data(form=form))
        try:
            if self.hold is None:
                raise SlotTaken
            appointment = appointment_confirm(
                hold=self.hold,
                source_article=published_article(request.session.get(ARTICLE_KEY, "")),
                marketing_consent=form.wants_rebooking_reminder(),
                **form.patient_fields(),
            )
        except SlotTaken:
            form.refresh_form_token()
            form.add_error(
                None,
                _(
                    "Sorry, that time was just taken. Your details are still "
                    "here: choose another time below."
                ),
            )
            return self.with_alternatives(form)
        waitlist_booked(request, appointment)
        request.session[BOOKED_KEY] = appointment.pk
        return redirect("booking:confirmed")

    def check_consultation_rule(self, form) -> None:
        """A new patient who holds a time for a treatment that new patients
        start elsewhere is sent to that treatment's times, keeping the hold
        (they may be returning after all)."""
        new_patient = form.cleaned_data["patient_type"] == "new"
        to_book = rules.treatment_to_book(self.treatment, new_patient=new_patient)
        if to_book != self.treatment:
            form.add_error(
                "patient_type",
                _(
                    "New patients start with %(first)s, so a provider can check "
                    "that %(treatment)s is right for you: please book "
                    "%(first)s instead."
                )
                % {"first": to_book.name, "treatment": self.treatment.name},
            )
            if to_book.is_active and to_book.is_bookable_online:
                self.consultation_url = (
                    reverse("booking:availability", args=[to_book.slug])
                    + "?"
                    + urlencode(
                        {ASKED_FOR_PARAM: self.treatment.slug, PATIENT_PARAM: "new"}
                    )
                )
            else:
                self.consultation_url = request_form_url(treatment=to_book)

    def with_alternatives(self, form, **extra):
        location = treatment_location(self.treatment)
        slots = all_slots(location, self.treatment, None) if location else []
        held_at = parse_moment(self.request.session.get(HOLD_START_KEY, ""))
        if location is not None:
            extra["treatment_zone"] = location.time_zone
        context = self.get_context_data(form=form, **extra)
        context["alternatives"] = nearest(slots, held_at or timezone.now())
        return self.render_to_response(context, status=409)

    def switch_time(self, request):
        """Hold an alternative time, keeping everything the patient typed."""
        form = self.get_form(initial=request.POST.dict())
        location = treatment_location(self.treatment)
        try:
            if location is None:
                raise SlotTaken
            hold = _hold(
                request,
                location,
                self.treatment,
                None,
                all_slots(location, self.treatment, None),
                parse_moment(request.POST["alternative"]),
            )
        except (SlotTaken, RateLimited):
            return self.with_alternatives(form, switch_failed=True)
        _remember_hold(request, hold)
        self.hold = hold
        return self.render_to_response(self.get_context_data(form=form))


def cancellation_policy() -> str:
    """The clinic's policy, shown before a patient books."""
    return settings.BOOKING_CANCELLATION_POLICY or _(
        "Please give us at least %(hours)s hours’ notice if you need to cancel or "
        "change: online with the link in your confirmation email, or by phone. "
        "Late cancellations and missed appointments are noted on your record."
    ) % {"hours": settings.BOOKING_CANCELLATION_CUTOFF_HOURS}


def _remember_hold(request, hold: Appointment) -> None:
    """Keep the new hold in the session and release the one it replaces, so a
    patient holds one time at once."""
    previous = request.session.get(HOLD_KEY)
    if previous is not None and previous != hold.pk:
        Appointment.objects.filter(pk=previous, status=Appointment.Status.HELD).delete()
    request.session[HOLD_KEY] = hold.pk
    request.session[HOLD_START_KEY] = hold.starts_at.isoformat()


def _booked_appointment(request) -> Appointment:
    appointment = (
        Appointment.objects.select_related("treatment", "provider", "location")
        .filter(
            pk=request.session.get(BOOKED_KEY),
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN],
        )
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


@never_cache
@require_safe
def appointment_confirmed(request):
    appointment = _booked_appointment(request)
    return render(
        request,
        "booking/appointment_confirmed.html",
        {
            "appointment": appointment,
            "local_start": appointment.starts_at.astimezone(appointment.location.zone),
            "manage_path": reverse("booking:manage", args=[appointment.manage_token]),
        },
    )


@never_cache
@require_safe
def appointment_calendar_file(request):
    return calendar_file_response(_booked_appointment(request))


def calendar_file_response(appointment: Appointment) -> HttpResponse:
    response = HttpResponse(calendar_file(appointment), content_type="text/calendar")
    response["Content-Disposition"] = (
        f'attachment; filename="{appointment.reference}.ics"'
    )
    return response

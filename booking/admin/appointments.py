"""Appointments: the front desk's calendar (day schedule, book a caller, move,
check in, no-show, cancel).

Every write goes through booking.scheduling (booking) or booking.frontdesk
(moves, statuses, requests), where the database settles overlaps; the admin's
own change form stays read-only.
"""

import dataclasses
import datetime
import math
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from booking import audit, availability, frontdesk, scheduling
from booking.admin.audit import AuditedRecords
from booking.admin.requests import AppointmentRequestAdmin, status_action
from booking.admin.roles import ForbiddenActionsRefused
from booking.forms import PatientFields
from booking.http import client_ip
from booking.models import (
    Appointment,
    AppointmentRequest,
    Location,
    Provider,
    ProviderSchedule,
    Room,
    Treatment,
)

SCHEDULE_STEP = datetime.timedelta(minutes=15)
# The schedule's rows on a day with no opening hours or schedules at all.
DEFAULT_HOURS = (datetime.time(9), datetime.time(17))
JUST_TAKEN = _("That time was just taken. Pick another free time.")


def _instant(day: datetime.date, time: datetime.time, zone) -> datetime.datetime:
    """A local wall time as a UTC instant (arithmetic on it is real time)."""
    return datetime.datetime.combine(day, time, zone).astimezone(datetime.UTC)


def _steps(delta: datetime.timedelta) -> int:
    """Whole schedule rows in delta, rounded up."""
    return math.ceil(delta / SCHEDULE_STEP)


@dataclasses.dataclass
class ScheduleCell:
    """One provider's quarter hour in the day schedule; a cell with
    appointments spans their rows (several only if they overlap, which the
    database allows only for no-shows)."""

    working: bool
    appointments: list = dataclasses.field(default_factory=list)
    rowspan: int = 1

    @property
    def status(self) -> str:
        return self.appointments[0].status if self.appointments else ""


def day_schedule(*, location: Location, day: datetime.date) -> dict:
    """The day's grid at a location: one column per provider working there
    that day (or booked there), one row per SCHEDULE_STEP of real time from
    the earliest opening to the latest close, in the location's zone.

    Five queries, whatever the number of appointments.
    """
    zone = location.zone
    weekday = day.weekday()
    day_start = _instant(day, datetime.time.min, zone)
    day_end = _instant(day + datetime.timedelta(days=1), datetime.time.min, zone)
    hours = list(
        location.opening_hours.filter(weekday=weekday).values_list("opens", "closes")
    )
    closure = location.closures.filter(date=day).first()
    schedules = list(
        ProviderSchedule.objects.filter(
            location=location, weekday=weekday, provider__is_active=True
        ).select_related("provider")
    )
    appointments = list(
        Appointment.objects.filter(
            location=location, starts_at__lt=day_end, ends_at__gt=day_start
        )
        .exclude(status=Appointment.Status.HELD, hold_expires_at__lte=timezone.now())
        .select_related("treatment", "provider", "room")
    )
    shown = [a for a in appointments if a.status != Appointment.Status.CANCELLED]
    providers: dict[int, Provider] = {}
    working: dict[int, list] = {}
    for schedule in schedules:
        providers.setdefault(schedule.provider_id, schedule.provider)
        working.setdefault(schedule.provider_id, []).append(
            (_instant(day, schedule.starts, zone), _instant(day, schedule.ends, zone))
        )
    for appointment in shown:
        providers.setdefault(appointment.provider_id, appointment.provider)
    columns = sorted(providers.values(), key=lambda p: (p.display_name, p.pk))

    bounds = hours + [(s.starts, s.ends) for s in schedules] or [DEFAULT_HOURS]
    first = min(_instant(day, opens, zone) for opens, _closes in bounds)
    last = max(_instant(day, closes, zone) for _opens, closes in bounds)
    for appointment in shown:
        starts = max(appointment.starts_at, day_start)
        if starts < first:  # earlier rows, on the same quarter-hour grid
            first -= SCHEDULE_STEP * _steps(first - starts)
        last = max(last, min(appointment.ends_at, day_end))
    times = [first + SCHEDULE_STEP * i for i in range(_steps(last - first))]

    grid = [
        [
            ScheduleCell(
                working=any(s <= moment < e for s, e in working.get(provider.pk, ()))
            )
            for provider in columns
        ]
        for moment in times
    ]
    for column, provider in enumerate(columns):
        block_row, block_end = None, 0
        for appointment in sorted(
            (a for a in shown if a.provider_id == provider.pk),
            key=lambda a: a.starts_at,
        ):
            row = (max(appointment.starts_at, first) - first) // SCHEDULE_STEP
            end = max(row + 1, _steps(min(appointment.ends_at, last) - first))
            if block_row is not None and row < block_end:  # overlapping: one block
                block_end = max(block_end, end)
            else:
                block_row, block_end = row, end
            block = grid[block_row][column]
            block.appointments.append(appointment)
            block.rowspan = block_end - block_row
            for covered in grid[block_row + 1 : block_end]:
                covered[column] = None
    rows = []
    for moment, cells in zip(times, grid, strict=True):
        local = moment.astimezone(zone)
        rows.append({"time": local, "on_the_hour": local.minute == 0, "cells": cells})
    return {
        "columns": columns,
        "rows": rows,
        "closure": closure,
        "is_open": bool(hours) and closure is None,
        "cancelled": [
            a for a in appointments if a.status == Appointment.Status.CANCELLED
        ],
    }


def _local_value(appointment: Appointment, moment) -> str:
    return moment.astimezone(appointment.location.zone).strftime("%Y-%m-%d %H:%M %Z")


class FindTimeForm(forms.Form):
    """Where, what, with whom and which day: the free times to offer."""

    location = forms.ModelChoiceField(
        Location.objects.filter(is_active=True), label=_("Location")
    )
    treatment = forms.ModelChoiceField(Treatment.objects.active(), label=_("Treatment"))
    provider = forms.ModelChoiceField(
        Provider.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any provider"),
        label=_("Provider"),
    )
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class FreeTimeField(forms.ChoiceField):
    """The offered times as choices; a posted time is also accepted while it
    is still free for its provider and room, even if "any provider" would now
    offer it with someone else (a booking elsewhere changed who is least busy)."""

    still_free: frozenset[str] = frozenset()

    def valid_value(self, value) -> bool:
        return value in self.still_free or super().valid_value(value)


class SlotChoices(list):
    """SlotForm choices, plus every (start|provider|room) value still free."""

    still_free: frozenset[str] = frozenset()


class SlotForm(forms.Form):
    """A free time, as "start|provider|room"; the choices are recomputed on
    every post, so a time taken meanwhile is no longer a valid choice."""

    slot = FreeTimeField(
        label=_("Free time"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick a time."), "invalid_choice": JUST_TAKEN},
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = choices
        self.fields["slot"].still_free = getattr(choices, "still_free", frozenset())

    def chosen(self) -> tuple[datetime.datetime, int, int | None]:
        starts, provider, room = self.cleaned_data["slot"].split("|")
        return (
            datetime.datetime.fromisoformat(starts),
            int(provider),
            int(room) if room else None,
        )


class CallerForm(PatientFields, forms.ModelForm):
    """The caller's details, as on the patient's form (Appointment.PATIENT_FIELDS)."""

    class Meta:
        model = Appointment
        fields = Appointment.PATIENT_FIELDS
        widgets = {
            "patient_type": forms.RadioSelect,
            "contact_method": forms.RadioSelect,
            "message": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in Appointment.PATIENT_FIELDS:
            self.fields[name].required = name not in ("message",)
        self.fields["consent"].label = _(
            "The caller agrees that the clinic may contact them about this appointment."
        )
        self.fields["consent"].help_text = ""


class MoveForm(SlotForm):
    """A free time from the list, or any other time that day (the database
    refuses it if the provider or room is busy then)."""

    time = forms.TimeField(
        label=_("Or another time that day"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    provider = forms.ModelChoiceField(
        Provider.objects.filter(is_active=True),
        required=False,
        label=_("With"),
        help_text=_("For another time; empty: the same provider."),
    )
    room = forms.ModelChoiceField(
        Room.objects.none(),
        required=False,
        label=_("Room"),
        help_text=_("For another time; empty: no room."),
    )

    def __init__(self, *args, location: Location, day: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.location, self.day = location, day
        self.fields["slot"].required = False
        self.fields["slot"].label = _("A free time")
        self.fields["room"].queryset = location.rooms.filter(is_active=True)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("slot")) == bool(cleaned.get("time")) and not self.errors:
            raise forms.ValidationError(
                _("Pick a free time, or type another time (not both)."), code="one_time"
            )
        if cleaned.get("time"):
            zone = self.location.zone
            wall = datetime.datetime.combine(self.day, cleaned["time"])
            starts_at = wall.replace(tzinfo=zone)
            if (
                starts_at.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None)
                != wall
            ):
                self.add_error(
                    "time", _("That time does not exist that day (the clocks change).")
                )
            cleaned["starts_at"] = starts_at
        return cleaned


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s.label) for s in frontdesk.STAFF_STATUSES])
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=300, required=False
    )
    # Only a patient's own late cancellation counts on their record.
    cancelled_by = forms.ChoiceField(
        choices=Appointment._meta.get_field("cancelled_by").choices, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Appointment.Status.CANCELLED and not cleaned.get(
            "cancelled_by"
        ):
            raise ValidationError(_("Say who cancelled: the patient or the clinic."))
        return cleaned


class AppointmentStatusFilter(admin.SimpleListFilter):
    """The statuses of the appointments in the list: all but held."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (status, label)
            for status, label in Appointment.Status.choices
            if status != Appointment.Status.HELD
        ]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


def _status_actions(status, description):
    return status_action(
        status,
        description,
        permission="frontdesk",
        label=Appointment.Status(status).label.lower(),
        nouns=(_("appointment"), _("appointments")),
        move=_move_each,
    )


def _move_each(appointments, status, request) -> int:
    moved = 0
    with transaction.atomic():  # all or nothing, as for requests
        for appointment in appointments.order_by("pk"):
            if appointment.status == status:
                continue
            frontdesk.appointment_set_status(
                appointment=appointment,
                status=status,
                actor=request.user,
                ip_address=client_ip(request),
            )
            moved += 1
    return moved


@admin.register(Appointment)
class AppointmentAdmin(ForbiddenActionsRefused, AuditedRecords, admin.ModelAdmin):
    """The calendar's appointments: the day schedule, booking a caller or a
    request, moving and the status moves (all through booking.scheduling and
    booking.frontdesk). The change form itself is read-only."""

    list_display = [
        "reference",
        "local_start",
        "status_badge",
        "patient_name",
        "treatment",
        "provider",
        "location",
    ]
    list_filter = [
        AppointmentStatusFilter,
        "location",
        "provider",
        # Which articles bring bookings, listing only those that did.
        ("source_article", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["treatment", "provider", "location"]
    search_fields = ["reference", "first_name", "last_name", "email", "phone"]
    date_hierarchy = "starts_at"
    actions = [
        _status_actions(Appointment.Status.CHECKED_IN, _("Check in")),
        _status_actions(Appointment.Status.COMPLETED, _("Mark completed")),
        _status_actions(Appointment.Status.NO_SHOW, _("Mark no-show")),
    ]
    fieldsets = [
        (
            _("Appointment"),
            {
                "fields": [
                    "reference",
                    "status",
                    "local_start",
                    "local_end",
                    "location",
                    "treatment",
                    "provider",
                    "room",
                    "cancellation_reason",
                    "created_by",
                    "appointment_request",
                ]
            },
        ),
        (_("Patient"), {"fields": [*Appointment.PATIENT_FIELDS, "attendance"]}),
        (_("History"), {"fields": ["messages", "history"]}),
    ]
    readonly_fields = ["local_start", "local_end", "attendance", "messages", "history"]

    status_badge = AppointmentRequestAdmin.status_badge
    attendance = AppointmentRequestAdmin.attendance

    class Media:
        css = {"all": ["booking/admin.css"]}

    @admin.display(description=_("messages sent"))
    def messages(self, obj):
        """Reminders, change notices (to the patient and the clinic) and other
        messages sent after booking (booking.outbox), so the front desk can
        answer "did I get one?"."""
        sent = obj.outgoing_messages.exclude(sent_at=None).order_by("sent_at")
        if not sent:
            return _("None yet.")
        return format_html_join(
            mark_safe("<br>"),
            "{} · {} · {}",
            (
                (
                    _local_value(obj, message.sent_at),
                    message.get_channel_display(),
                    message.key.split(":", 1)[0],
                )
                for message in sent
            ),
        )

    @admin.display(description=_("starts"), ordering="starts_at")
    def local_start(self, obj):
        return _local_value(obj, obj.starts_at)

    @admin.display(description=_("ends"), ordering="ends_at")
    def local_end(self, obj):
        return _local_value(obj, obj.ends_at)

    @admin.display(description=_("patient"), ordering="last_name")
    def patient_name(self, obj):
        return f"{obj.first_name} {obj.last_name}".strip() or "—"

    def get_queryset(self, request):
        # A hold is a patient's, for the minutes they take to type their
        # details: nothing for staff to open, search or audit, and an audit
        # entry would stop it from being deleted once it lapses. The day
        # schedule shows holds (day_schedule), as the times they block.
        return super().get_queryset(request).exclude(status=Appointment.Status.HELD)

    def has_change_permission(self, request, obj=None):
        # The form is read-only: staff change appointments only through the
        # front desk's pages and actions (has_frontdesk_permission).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_frontdesk_permission(self, request, obj=None):
        return request.user.has_perm("booking.change_appointment")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "schedule/",
                wrap(self.schedule_view),
                name="booking_appointment_schedule",
            ),
            path(
                "from-request/<int:request_id>/",
                wrap(self.from_request_view),
                name="booking_appointment_from_request",
            ),
            path(
                "<int:object_id>/move/",
                wrap(self.move_view),
                name="booking_appointment_move",
            ),
            path(
                "<int:object_id>/status/",
                wrap(self.status_view),
                name="booking_appointment_status",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    # The day schedule ---------------------------------------------------------

    def schedule_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        locations = list(Location.objects.filter(is_active=True))
        wanted = request.GET.get("location", "")
        location = next(
            (loc for loc in locations if str(loc.pk) == wanted),
            locations[0] if locations else None,
        )
        context = self._context(
            request, _("Day schedule"), locations=locations, location=location
        )
        if location is not None:
            today = timezone.now().astimezone(location.zone).date()
            try:
                day = datetime.date.fromisoformat(request.GET.get("date", ""))
            except ValueError:
                day = today
            one_day = datetime.timedelta(days=1)
            context.update(
                day_schedule(location=location, day=day),
                day=day,
                today=today,
                links={
                    name: urlencode({"location": location.pk, "date": value})
                    for name, value in (
                        ("previous", day - one_day),
                        ("today", today),
                        ("next", day + one_day),
                    )
                },
                previous_day=day - one_day,
                next_day=day + one_day,
            )
        return TemplateResponse(
            request, "admin/booking/appointment/schedule.html", context
        )

    # Booking a caller, or a request -------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """Book a phone caller: where, what and when, then a free time and
        the caller's details."""
        return self._book(request, appointment_request=None)

    def from_request_view(self, request, request_id):
        # Refused before the lookup, so a 404 tells nobody which requests exist.
        if not request.user.has_perm("booking.change_appointmentrequest"):
            raise PermissionDenied
        appointment_request = get_object_or_404(
            AppointmentRequest.objects.select_related("treatment"), pk=request_id
        )
        response = self._book(request, appointment_request=appointment_request)
        if response.status_code == 200:  # the page shows the patient's details
            audit.record_page_view(
                subject=appointment_request,
                page="book a time",
                actor=request.user,
                ip_address=client_ip(request),
            )
        return response

    def _book(self, request, *, appointment_request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if appointment_request is not None and appointment_request.treatment is None:
            self.message_user(
                request,
                _("This request names no treatment: set one before booking a time."),
                messages.ERROR,
            )
            return redirect(
                "admin:booking_appointmentrequest_change", appointment_request.pk
            )
        initial = {"date": timezone.localdate()}
        if appointment_request is not None:
            initial.update(
                treatment=appointment_request.treatment,
                date=max(appointment_request.preferred_date, timezone.localdate()),
            )
        find = FindTimeForm(
            request.GET if "date" in request.GET else None, initial=initial
        )
        if appointment_request is not None:
            find.fields["treatment"].disabled = True
        caller = None
        if appointment_request is None:
            caller = CallerForm(request.POST if request.method == "POST" else None)
        slots = None
        if find.is_bound and find.is_valid():
            where = find.cleaned_data
            choices = self._slot_choices(
                location=where["location"],
                treatment=where["treatment"],
                day=where["date"],
                provider=where["provider"],
            )
            slots = SlotForm(
                request.POST if request.method == "POST" else None, choices=choices
            )
            if request.method == "POST":
                booked = self._book_post(
                    request, where, slots, caller, appointment_request
                )
                if booked is not None:
                    return booked
        if appointment_request is None:
            title = _("Book a phone caller")
        else:
            title = _("Book a time for request %(reference)s") % {
                "reference": appointment_request.reference
            }
        return TemplateResponse(
            request,
            "admin/booking/appointment/book.html",
            self._context(
                request,
                title,
                find=find,
                slots=slots,
                caller=caller,
                appointment_request=appointment_request,
                query=request.GET.urlencode(),
            ),
        )

    def _book_post(self, request, where, slots, caller, appointment_request):
        valid = slots.is_valid()
        if caller is not None:
            valid = caller.is_valid() and valid
        if not valid:
            return None
        starts_at, provider_id, room_id = slots.chosen()
        provider = Provider.objects.get(pk=provider_id)
        room = Room.objects.get(pk=room_id) if room_id else None
        try:
            if appointment_request is None:
                appointment = scheduling.appointment_book(
                    location=where["location"],
                    treatment=where["treatment"],
                    provider=provider,
                    room=room,
                    starts_at=starts_at,
                    created_by=request.user,
                    ip_address=client_ip(request),
                    **caller.cleaned_data,
                )
            else:
                appointment = frontdesk.appointment_from_request(
                    appointment_request=appointment_request,
                    location=where["location"],
                    provider=provider,
                    room=room,
                    starts_at=starts_at,
                    actor=request.user,
                    ip_address=client_ip(request),
                )
        except scheduling.SlotTaken:
            slots.add_error("slot", JUST_TAKEN)
            slots.fields["slot"].choices = self._slot_choices(
                location=where["location"],
                treatment=where["treatment"],
                day=where["date"],
                provider=where["provider"],
            )
            return None
        except ValidationError as error:
            slots.add_error(None, error.messages)
            return None
        self.message_user(
            request,
            _("Booked %(reference)s: %(when)s with %(provider)s.")
            % {
                "reference": appointment.reference,
                "when": _local_value(appointment, appointment.starts_at),
                "provider": provider.display_name,
            },
            messages.SUCCESS,
        )
        return self._to_schedule(appointment)

    def _to_schedule(self, appointment):
        day = appointment.starts_at.astimezone(appointment.location.zone).date()
        query = urlencode({"location": appointment.location_id, "date": day})
        return redirect(reverse("admin:booking_appointment_schedule") + "?" + query)

    @staticmethod
    def _slot_choices(
        *, location, treatment, day, provider, prefer_room=None
    ) -> list[tuple[str, str]]:
        """Free times that day as SlotForm choices, each with its provider
        (the chosen one, or for "any" the least booked) and a free room."""
        slots = scheduling.available_slots(
            location=location,
            treatment=treatment,
            first_day=day,
            last_day=day,
            provider=provider,
        )
        if not slots:
            return SlotChoices()
        counts = (
            {}
            if provider is not None
            else scheduling.bookings_that_day(location=location, day=day)
        )
        picked = []
        for slot in slots:
            provider_id = (
                provider.pk
                if provider is not None
                else availability.choose_provider(slot, counts)
            )
            room_id = None
            if slot.room_ids:
                room_id = (
                    prefer_room if prefer_room in slot.room_ids else slot.room_ids[0]
                )
            picked.append((slot, provider_id, room_id))
        providers = Provider.objects.in_bulk({p for _s, p, _r in picked})
        rooms = Room.objects.in_bulk({r for _s, _p, r in picked if r is not None})
        zone = location.zone
        choices = SlotChoices()
        choices.still_free = frozenset(
            f"{slot.starts_at.isoformat()}|{p}|{r or ''}"
            for slot in slots
            for p in slot.provider_ids
            for r in slot.room_ids or (None,)
        )
        for slot, provider_id, room_id in picked:
            label = f"{slot.starts_at.astimezone(zone):%H:%M} · "
            label += providers[provider_id].display_name
            if room_id is not None:
                label += f" · {rooms[room_id].name}"
            value = f"{slot.starts_at.isoformat()}|{provider_id}|{room_id or ''}"
            choices.append((value, label))
        return choices

    # One appointment: its page, moving it, its status --------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appointment = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if appointment is not None and self.has_frontdesk_permission(request):
            allowed = appointment.allowed_statuses()
            extra_context["frontdesk"] = {
                "statuses": [
                    (status, Appointment.Status(status).label)
                    for status in frontdesk.STAFF_STATUSES
                    if status in allowed and status != Appointment.Status.CANCELLED
                ],
                "may_cancel": Appointment.Status.CANCELLED in allowed,
                "may_move": appointment.status == Appointment.Status.BOOKED,
                "status_form": StatusForm(),
            }
        response = super().change_view(request, object_id, form_url, extra_context)
        if shown := self.shown_record(response):
            frontdesk.appointment_record_view(
                appointment=shown, actor=request.user, ip_address=client_ip(request)
            )
        return response

    def _appointment(self, request, object_id) -> Appointment:
        if not self.has_frontdesk_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            self.get_queryset(request).select_related(
                "location", "treatment", "provider"
            ),
            pk=object_id,
        )

    def status_view(self, request, object_id):
        appointment = self._appointment(request, object_id)
        if request.method != "POST":
            return redirect("admin:booking_appointment_change", appointment.pk)
        form = StatusForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request,
                " ".join(form.non_field_errors()) or _("Choose a status."),
                messages.ERROR,
            )
            return redirect("admin:booking_appointment_change", appointment.pk)
        try:
            moved = frontdesk.appointment_set_status(
                appointment=appointment,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                cancelled_by=form.cleaned_data["cancelled_by"] or "clinic",
                actor=request.user,
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            self.message_user(
                request,
                _("Nothing was changed. %(reason)s")
                % {"reason": " ".join(error.messages)},
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                _("%(reference)s is now %(status)s.")
                % {
                    "reference": moved.reference,
                    "status": moved.get_status_display().lower(),
                },
                messages.SUCCESS,
            )
        return redirect("admin:booking_appointment_change", appointment.pk)

    def move_view(self, request, object_id):
        appointment = self._appointment(request, object_id)
        if appointment.status != Appointment.Status.BOOKED:
            self.message_user(
                request, _("Only a booked appointment can move."), messages.ERROR
            )
            return redirect("admin:booking_appointment_change", appointment.pk)
        location, zone = appointment.location, appointment.location.zone
        find = FindTimeForm(
            request.GET if "date" in request.GET else None,
            initial={
                "location": location,
                "treatment": appointment.treatment,
                "provider": appointment.provider,
                "date": appointment.starts_at.astimezone(zone).date(),
            },
        )
        find.fields["location"].disabled = True
        find.fields["treatment"].disabled = True
        if find.is_bound and not find.is_valid():
            find = FindTimeForm(initial=find.initial)  # a mangled link: start over
        where = find.cleaned_data if find.is_bound else find.initial
        day = where["date"]

        def choices():
            return self._slot_choices(
                location=location,
                treatment=appointment.treatment,
                day=day,
                provider=where["provider"],
                prefer_room=appointment.room_id,
            )

        form = MoveForm(
            request.POST if request.method == "POST" else None,
            choices=choices(),
            location=location,
            day=day,
            initial={"provider": appointment.provider, "room": appointment.room},
        )
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["slot"]:
                starts_at, provider_id, room_id = form.chosen()
                provider = Provider.objects.get(pk=provider_id)
                room = Room.objects.get(pk=room_id) if room_id else None
            else:
                starts_at = form.cleaned_data["starts_at"]
                provider = form.cleaned_data["provider"] or appointment.provider
                room = form.cleaned_data["room"]
            try:
                moved = frontdesk.appointment_move(
                    appointment=appointment,
                    starts_at=starts_at,
                    provider=provider,
                    room=room,
                    actor=request.user,
                    ip_address=client_ip(request),
                )
            except scheduling.SlotTaken:
                form.add_error(None, JUST_TAKEN)
                form.fields["slot"].choices = choices()
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(
                    request,
                    _("%(reference)s moved to %(when)s with %(provider)s.")
                    % {
                        "reference": moved.reference,
                        "when": _local_value(moved, moved.starts_at),
                        "provider": provider.display_name,
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:booking_appointment_change", moved.pk)
        return TemplateResponse(
            request,
            "admin/booking/appointment/move.html",
            self._context(
                request,
                _("Move %(reference)s") % {"reference": appointment.reference},
                original=appointment,
                find=find,
                form=form,
                day=day,
                query=request.GET.urlencode(),
            ),
        )

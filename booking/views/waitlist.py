"""The waitlist's pages: join it, book an offered time, leave it."""

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django.views.generic import CreateView, TemplateView

from booking.forms import WaitlistJoinForm
from booking.http import client_ip
from booking.models import Treatment, WaitlistEntry
from booking.ratelimit import RateLimited
from booking.scheduling import treatment_location
from booking.views.online import nearest, parse_moment
from booking.waitlist import (
    SESSION_ENTRY_KEY,
    bookable_days,
    entry_slots,
    is_free,
    suits,
    waitlist_join,
    waitlist_leave,
)

# The treatment this session joined the waitlist for: the "joined" page shows
# nothing else, so its URL is useless to anyone else.
JOINED_KEY = "booking_waitlist_joined"


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class WaitlistJoinView(CreateView):
    form_class = WaitlistJoinForm
    template_name = "booking/waitlist_join.html"

    @cached_property
    def treatment(self):
        return get_object_or_404(
            Treatment.objects.bookable_online(), slug=self.kwargs["slug"]
        )

    @cached_property
    def location(self):
        location = treatment_location(self.treatment)
        if location is None:
            raise Http404
        return location

    def get_initial(self):
        """The week the patient was looking at (?week=), kept bookable."""
        first, last = bookable_days(self.treatment, self.location)
        try:
            week = datetime.date.fromisoformat(self.request.GET.get("week", "")[:10])
        except ValueError:
            return {}
        week = min(max(week, first), last)
        return {
            "earliest_date": week,
            "latest_date": min(week + datetime.timedelta(days=6), last),
        }

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {
            "treatment": self.treatment,
            "location": self.location,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["treatment"] = self.treatment
        context["location"] = self.location
        return context

    def form_valid(self, form):
        try:
            # Whether the entry is new is not shown: the address may already be
            # on the waitlist, typed by anyone, and the page would tell them.
            waitlist_join(
                treatment=self.treatment,
                location=self.location,
                client_ip=client_ip(self.request),
                **form.cleaned_data,
            )
        except RateLimited:
            return render(
                self.request, "booking/appointmentrequest_refused.html", status=429
            )
        except ValidationError as error:  # the day changed since clean()
            form.add_error(None, error)
            return self.form_invalid(form)
        self.request.session[JOINED_KEY] = self.treatment.pk
        return redirect("booking:waitlist-joined", slug=self.treatment.slug)


@method_decorator(never_cache, name="dispatch")
class WaitlistJoinedView(TemplateView):
    template_name = "booking/waitlist_joined.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        treatment = get_object_or_404(
            Treatment, pk=self.request.session.get(JOINED_KEY), slug=self.kwargs["slug"]
        )
        context["treatment"] = treatment
        context["location"] = treatment_location(treatment)
        return context


def _entry(token: str) -> WaitlistEntry:
    return get_object_or_404(
        WaitlistEntry.objects.select_related("treatment", "location"), token=token
    )


@never_cache
@require_safe
def offer(request, token):
    """An emailed offer: book the time if it is still free, otherwise one of
    the nearest free times that still suit the entry."""
    entry = _entry(token)
    context = {"entry": entry, "treatment": entry.treatment, "location": entry.location}
    if entry.status == WaitlistEntry.Status.WAITING:
        moment = parse_moment(request.GET.get("start", ""))
        if (
            moment is not None
            and suits(entry, moment)
            and is_free(
                location=entry.location, treatment=entry.treatment, starts_at=moment
            )
        ):
            context["offered"] = moment.astimezone(datetime.UTC)
        else:
            context["taken"] = moment is not None
            context["alternatives"] = nearest(
                entry_slots(entry), moment or timezone.now()
            )
        # Whatever time the patient books from here ends their wait.
        request.session[SESSION_ENTRY_KEY] = entry.pk
    return render(request, "booking/waitlist_offer.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def leave(request, token):
    """Leave the waitlist: a confirm button, so a mail scanner opening the
    link does not take the patient off it."""
    entry = _entry(token)
    if request.method == "POST":
        waitlist_leave(token)
        return redirect("booking:waitlist-leave", token=token)
    return render(
        request,
        "booking/waitlist_leave.html",
        {"entry": entry, "treatment": entry.treatment},
    )

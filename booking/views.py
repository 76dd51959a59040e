from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import CreateView, DetailView, ListView, TemplateView

from booking.forms import AppointmentRequestForm, safe_source_path
from booking.models import AppointmentRequest, Treatment
from booking.services import appointment_request_create, rate_limit_exceeded

# The confirmation page shows the request whose id this session holds, so its
# URL reveals nothing and is useless to anyone else.
SESSION_KEY = "booking_request_id"


def client_ip(request) -> str:
    """The client address, trusting X-Forwarded-For only as far as our own proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class TreatmentListView(ListView):
    queryset = Treatment.objects.active()


class TreatmentDetailView(DetailView):
    queryset = Treatment.objects.active()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["related_articles"] = self.object.articles.published().for_listing()[:3]
        return context


# Every posted field is hidden from error reports: all of it is patient data.
@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class AppointmentRequestCreateView(CreateView):
    model = AppointmentRequest
    form_class = AppointmentRequestForm

    def get_initial(self):
        initial = {"article": self.request.GET.get("article", "")[:200]}
        treatment = self.request.GET.get("treatment", "")[:120]
        if treatment:
            initial["treatment"] = treatment
        referer = urlsplit(self.request.headers.get("Referer", ""))
        if referer.netloc == self.request.get_host():
            initial["source"] = safe_source_path(referer.path)
        elif treatment:
            initial["source"] = safe_source_path(f"/treatments/{treatment}/")
        return initial

    def form_valid(self, form):
        if form.is_bot():
            return render(self.request, "booking/appointmentrequest_refused.html")
        if form.is_too_fast():
            form.refresh_hidden()
            form.add_error(
                None,
                _("Please check your details, then press “Send request” again."),
            )
            return self.form_invalid(form)
        data = form.cleaned_data
        replay = AppointmentRequest.objects.filter(form_token=data["token"]).first()
        if replay is None and rate_limit_exceeded(client_ip=client_ip(self.request)):
            return render(
                self.request, "booking/appointmentrequest_refused.html", status=429
            )
        appointment_request = replay or appointment_request_create(
            form_token=data["token"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            treatment=data["treatment"],
            preferred_date=data["preferred_date"],
            preferred_time=data["preferred_time"],
            patient_type=data["patient_type"],
            contact_method=data["contact_method"],
            message=data["message"],
            consent=data["consent"],
            source_path=data["source"],
            source_article=data["article"],
        )
        self.request.session[SESSION_KEY] = appointment_request.pk
        return redirect("booking:request-done")


@method_decorator(never_cache, name="dispatch")
class AppointmentRequestDoneView(TemplateView):
    template_name = "booking/appointmentrequest_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        appointment_request = (
            AppointmentRequest.objects.select_related("treatment")
            .filter(pk=self.request.session.get(SESSION_KEY), anonymized_at=None)
            .first()
        )
        if appointment_request is None:
            raise Http404
        context["appointment_request"] = appointment_request
        return context

from django.views.generic import DetailView, ListView, TemplateView

from booking.models import Treatment


class TreatmentListView(ListView):
    queryset = Treatment.objects.active()


class TreatmentDetailView(DetailView):
    queryset = Treatment.objects.active()


class AppointmentRequestView(TemplateView):
    template_name = "booking/appointmentrequest_form.html"

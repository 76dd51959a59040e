"""The treatment catalog."""

from django.views.generic import DetailView, ListView

from booking.models import Treatment


class TreatmentListView(ListView):
    queryset = Treatment.objects.active()


class TreatmentDetailView(DetailView):
    queryset = Treatment.objects.active()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["related_articles"] = self.object.articles.published().for_listing()[:3]
        return context

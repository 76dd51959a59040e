from django.urls import path

from booking import views

app_name = "booking"
urlpatterns = [
    path("treatments/", views.TreatmentListView.as_view(), name="treatment-list"),
    path(
        "treatments/<slug:slug>/",
        views.TreatmentDetailView.as_view(),
        name="treatment-detail",
    ),
    path("book/", views.AppointmentRequestCreateView.as_view(), name="request"),
    path("book/done/", views.AppointmentRequestDoneView.as_view(), name="request-done"),
]

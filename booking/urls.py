from django.urls import path

from booking.views import online, requests, treatments

app_name = "booking"
urlpatterns = [
    path("treatments/", treatments.TreatmentListView.as_view(), name="treatment-list"),
    path(
        "treatments/<slug:slug>/",
        treatments.TreatmentDetailView.as_view(),
        name="treatment-detail",
    ),
    path("book/", online.booking_start, name="start"),
    path(
        "book/request/", requests.AppointmentRequestCreateView.as_view(), name="request"
    ),
    path(
        "book/done/", requests.AppointmentRequestDoneView.as_view(), name="request-done"
    ),
    path("book/confirmed/", online.appointment_confirmed, name="confirmed"),
    path(
        "book/confirmed/calendar.ics",
        online.appointment_calendar_file,
        name="calendar-file",
    ),
    path("book/<slug:slug>/", online.availability, name="availability"),
    path(
        "book/<slug:slug>/details/",
        online.AppointmentDetailsView.as_view(),
        name="details",
    ),
]

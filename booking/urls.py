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
    path("book/", views.booking_start, name="start"),
    path("book/request/", views.AppointmentRequestCreateView.as_view(), name="request"),
    path("book/done/", views.AppointmentRequestDoneView.as_view(), name="request-done"),
    path("book/confirmed/", views.appointment_confirmed, name="confirmed"),
    path(
        "book/confirmed/calendar.ics",
        views.appointment_calendar_file,
        name="calendar-file",
    ),
    path("book/<slug:slug>/", views.availability, name="availability"),
    path(
        "book/<slug:slug>/details/",
        views.AppointmentDetailsView.as_view(),
        name="details",
    ),
]

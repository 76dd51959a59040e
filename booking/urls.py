from django.urls import path

from booking.http import origin_only_referrer
from booking.views import manage, online, requests, treatments, unsubscribe, waitlist

app_name = "booking"
# Pages opened by a secret in their URL are wrapped in origin_only_referrer.
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
    path(
        "book/manage/<str:token>/", origin_only_referrer(manage.manage), name="manage"
    ),
    path(
        "book/manage/<str:token>/calendar.ics",
        origin_only_referrer(manage.manage_calendar_file),
        name="manage-calendar-file",
    ),
    path(
        "book/manage/<str:token>/cancel/",
        origin_only_referrer(manage.manage_cancel),
        name="manage-cancel",
    ),
    path(
        "book/manage/<str:token>/move/",
        origin_only_referrer(manage.manage_reschedule),
        name="manage-reschedule",
    ),
    path(
        "book/waitlist/<str:token>/",
        origin_only_referrer(waitlist.offer),
        name="waitlist-offer",
    ),
    path(
        "book/waitlist/<str:token>/leave/",
        origin_only_referrer(waitlist.leave),
        name="waitlist-leave",
    ),
    path(
        "book/unsubscribe/<str:token>/",
        origin_only_referrer(unsubscribe.unsubscribe),
        name="unsubscribe",
    ),
    path("book/<slug:slug>/", online.availability, name="availability"),
    path(
        "book/<slug:slug>/details/",
        online.AppointmentDetailsView.as_view(),
        name="details",
    ),
    path(
        "book/<slug:slug>/waitlist/",
        waitlist.WaitlistJoinView.as_view(),
        name="waitlist-join",
    ),
    path(
        "book/<slug:slug>/waitlist/joined/",
        waitlist.WaitlistJoinedView.as_view(),
        name="waitlist-joined",
    ),
]

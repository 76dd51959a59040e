"""django-otp-webauthn's endpoints, under the names its template tags reverse,
served by medspa.staff.views' stricter subclasses of its views."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from medspa.staff import views

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        views.BeginPasskeyRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        views.CompletePasskeyRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        views.BeginPasskeyAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        views.CompletePasskeyAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]

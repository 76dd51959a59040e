"""Treatments and the appointment requests the front desk works."""

import csv
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from booking.admin.audit import AuditedRecords
from booking.admin.roles import ForbiddenActionsRefused
from booking.http import client_ip
from booking.models import Appointment, AppointmentRequest, Treatment
from booking.phones import normalize_phone
from booking.services import (
    appointment_request_record_view,
    appointment_request_set_status,
    appointment_request_update,
    appointment_requests_record_export,
)

# Spreadsheet apps run cells starting with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# A spreadsheet that splits on semicolons (CSV in many European locales) starts
# a cell after each ";", so "Smith;=cmd()" is guarded there as well.
FORMULA_AFTER_SEMICOLON = re.compile(r";(?=[=+\-@])")
PATIENT_FIELDS = AppointmentRequest.PATIENT_FIELDS
TRACKING_FIELDS = [
    "handled_by",
    "source_article",
    "source_path",
    "created_at",
    "updated_at",
    "patient_email_sent_at",
    "patient_email_withheld",
    "clinic_email_sent_at",
    "anonymized_at",
]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _local_appointment_time(appointment) -> str:
    local = appointment.starts_at.astimezone(appointment.location.zone)
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _patient_value(row: AppointmentRequest, name: str):
    """A patient field as staff read it: labels for choices, names for relations."""
    field = AppointmentRequest._meta.get_field(name)
    if field.choices:
        return getattr(row, f"get_{name}_display")()
    if name == "treatment":
        return row.treatment.name if row.treatment else "Consultation"
    return getattr(row, name)


# The export's columns: (header, value of a row). Patient columns come from the
# one list of patient fields, so a new field reaches the export by itself.
CSV_COLUMNS = [
    ("reference", lambda row: row.reference),
    ("created", lambda row: _local(row.created_at)),
    ("status", lambda row: row.get_status_display()),
    *(
        (
            str(AppointmentRequest._meta.get_field(name).verbose_name),
            lambda row, name=name: _patient_value(row, name),
        )
        for name in PATIENT_FIELDS
    ),
    ("appointment", lambda row: _local(row.scheduled_for)),
    ("handled by", lambda row: row.handled_by.get_username() if row.handled_by else ""),
    (
        "came from",
        lambda row: row.source_article.title if row.source_article else row.source_path,
    ),
]


def csv_safe(value) -> str:
    text = FORMULA_AFTER_SEMICOLON.sub(";'", "" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@admin.register(Treatment)
class TreatmentAdmin(ForbiddenActionsRefused, admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "duration_minutes",
        "price_from",
        "is_bookable_online",
        "is_active",
        "is_featured",
        "order",
    ]
    list_filter = ["category", "is_bookable_online", "is_active", "is_featured"]
    list_editable = ["is_active", "is_featured", "order"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["mark_clinics_own"]

    @admin.action(
        description=_("Mark as the clinic's own (no longer demo)"),
        permissions=["change"],
    )
    def mark_clinics_own(self, request, queryset):
        count = queryset.filter(is_demo=True).update(is_demo=False)
        self.message_user(
            request,
            ngettext(
                "%(count)d treatment is now the clinic's own: the demo loader "
                "never touches it.",
                "%(count)d treatments are now the clinic's own: the demo loader "
                "never touches them.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class StatusFilter(admin.SimpleListFilter):
    """Open requests by default: the front desk's to-do list."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open (new, contacted, scheduled)")),
            *AppointmentRequest.Status.choices,
            ("all", _("All")),
        ]

    def choices(self, changelist):
        current = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.open()
        if value in AppointmentRequest.Status.values:
            return queryset.filter(status=value)
        return queryset


def status_action(status, description, *, permission, label, nouns, move):
    """An admin action that moves every selected row to `status` through
    `move(rows, status, request)` (which returns how many moved), all or
    nothing: a refused move changes no row and says why."""

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        try:
            count = move(queryset, status, request)
        except ValidationError as error:
            modeladmin.message_user(
                request,
                _("Nothing was changed. %(reason)s")
                % {"reason": " ".join(error.messages)},
                messages.ERROR,
            )
            return
        modeladmin.message_user(
            request,
            _("%(count)d %(rows)s marked %(status)s.")
            % {
                "count": count,
                "rows": nouns[0] if count == 1 else nouns[1],
                "status": label,
            },
            messages.SUCCESS,
        )

    action.__name__ = f"mark_{status}"
    return action


def _status_action(status, description):
    return status_action(
        status,
        description,
        permission="change",
        label=AppointmentRequest.Status(status).label,
        nouns=(_("request"), _("requests")),
        move=lambda rows, status, request: len(
            appointment_request_set_status(
                appointment_requests=rows,
                status=status,
                actor=request.user,
                ip_address=client_ip(request),
            )
        ),
    )


class AppointmentRequestAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields and self.instance.pk:
            # Every status stays listed, so a forbidden pick gets the lifecycle's
            # own explanation (AppointmentRequest.clean) rather than "invalid".
            allowed = sorted(
                str(AppointmentRequest.Status(status).label)
                for status in self.instance.allowed_statuses()
            )
            self.fields["status"].help_text = _("From here: %(allowed)s.") % {
                "allowed": ", ".join(allowed) or _("no further moves")
            }


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(
    ForbiddenActionsRefused, AuditedRecords, admin.ModelAdmin
):
    form = AppointmentRequestAdminForm
    list_display = [
        "reference",
        "status_badge",
        "full_name",
        "treatment_name",
        "preferred_date",
        "preferred_time",
        "contact_method",
        "age",
        "handled_by",
    ]
    list_display_links = ["reference", "full_name"]
    list_filter = [
        StatusFilter,
        "treatment",
        "preferred_date",
        "created_at",
        "contact_method",
        # Which articles bring bookings, listing only those that did.
        ("source_article", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["treatment", "handled_by"]
    search_fields = ["reference", "first_name", "last_name", "email", "phone"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = [
        _status_action(AppointmentRequest.Status.CONTACTED, _("Mark contacted")),
        _status_action(AppointmentRequest.Status.COMPLETED, _("Mark completed")),
        _status_action(AppointmentRequest.Status.CANCELLED, _("Mark cancelled")),
        _status_action(AppointmentRequest.Status.NO_SHOW, _("Mark no-show")),
        _status_action(AppointmentRequest.Status.DECLINED, _("Mark declined")),
        "export_csv",
    ]
    fieldsets = [
        (
            _("Work the request"),
            {
                "fields": ["reference", "status", "scheduled_for", "staff_notes"],
                "description": _(
                    "To schedule: set the status to Scheduled and enter the "
                    "appointment date and time."
                ),
            },
        ),
        (_("Patient"), {"fields": [*PATIENT_FIELDS, "attendance"]}),
        (_("Tracking"), {"fields": TRACKING_FIELDS}),
        (_("History"), {"fields": ["history"]}),
    ]
    readonly_fields = [
        "reference",
        *PATIENT_FIELDS,
        "attendance",
        *TRACKING_FIELDS,
        "history",
    ]

    class Media:
        css = {"all": ["booking/admin.css"]}

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="booking-status booking-status-{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.full_name or "—"

    @admin.display(description=_("treatment"), ordering="treatment__name")
    def treatment_name(self, obj):
        return obj.treatment.name if obj.treatment else _("Consultation (not sure)")

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at, timezone.now(), depth=1)

    @admin.display(description=_("missed appointments"))
    def attendance(self, obj):
        """The patient's no-shows and late cancellations (same email or
        mobile number), so the front desk can apply the clinic's policy."""
        missed = (
            Appointment.objects.of_patient(email=obj.email, phone=obj.phone)
            .missed()
            .exclude(pk=obj.pk if isinstance(obj, Appointment) else None)
            .select_related("treatment", "location")
            .order_by("-starts_at")
        )
        if not missed:
            return _("None on record.")
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} ({})",
            (
                (
                    _local_appointment_time(appointment),
                    appointment.treatment.name,
                    _("no-show")
                    if appointment.status == Appointment.Status.NO_SHOW
                    else _("cancelled late"),
                )
                for appointment in missed
            ),
        )

    def has_add_permission(self, request):
        # Requests come from patients through the public form, never typed in.
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("booking.export_appointmentrequest")

    def get_search_results(self, request, queryset, search_term):
        filtered = queryset  # the list filters already applied
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        # Staff type numbers the way patients say them; rows hold E.164.
        number = normalize_phone(search_term)
        if number is not None:
            queryset |= filtered.filter(phone=number)
        return queryset, may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if shown := self.shown_record(response):
            appointment_request_record_view(
                appointment_request=shown,
                actor=request.user,
                ip_address=client_ip(request),
            )
        return response

    def save_model(self, request, obj, form, change):
        # The service validates, saves and audits; the admin says who did it.
        appointment_request_update(
            appointment_request=obj, actor=request.user, ip_address=client_ip(request)
        )

    @admin.action(description=_("Export selected as CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        rows = list(
            queryset.select_related("treatment", "handled_by", "source_article")
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="appointment-requests-{stamp}.csv"'
        )
        response["Cache-Control"] = "no-store"
        response.write("\ufeff")  # so spreadsheet apps read UTF-8 names correctly
        writer = csv.writer(response)
        writer.writerow(header for header, _value in CSV_COLUMNS)
        for row in rows:
            writer.writerow(csv_safe(value(row)) for _header, value in CSV_COLUMNS)
        appointment_requests_record_export(
            appointment_requests=rows, actor=request.user, ip_address=client_ip(request)
        )
        return response

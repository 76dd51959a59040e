import csv

import phonenumbers
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from booking.forms import AppointmentRequestForm
from booking.models import AppointmentRequest, AuditEntry, Treatment
from booking.services import (
    appointment_request_set_status,
    appointment_request_update,
    appointment_requests_record_export,
    audit_record,
)
from booking.views import client_ip

# Today's counts sit on top of the index for staff who work requests.
admin.site.index_template = "booking/admin/index.html"

# Spreadsheet apps run cells starting with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Free-text staff fields go into the trail as "changed", never their contents.
PRIVATE_FIELDS = {"staff_notes"}
# What the patient typed is exactly what the public form accepts.
PATIENT_FIELDS = AppointmentRequestForm.Meta.fields
TRACKING_FIELDS = [
    "handled_by",
    "source_article",
    "source_path",
    "created_at",
    "updated_at",
    "patient_email_sent_at",
    "clinic_email_sent_at",
    "anonymized_at",
]


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "duration_minutes",
        "price_from",
        "is_active",
        "is_featured",
        "order",
    ]
    list_filter = ["category", "is_active", "is_featured"]
    list_editable = ["is_active", "is_featured", "order"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}


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


def _status_action(status, description):
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        changed = appointment_request_set_status(
            appointment_requests=queryset,
            status=status,
            actor=request.user,
            ip_address=client_ip(request),
        )
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d request marked %(status)s.",
                "%(count)d requests marked %(status)s.",
                changed,
            )
            % {"count": changed, "status": AppointmentRequest.Status(status).label},
            messages.SUCCESS,
        )

    action.__name__ = f"mark_{status}"
    return action


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(admin.ModelAdmin):
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
        (_("Patient"), {"fields": PATIENT_FIELDS}),
        (_("Tracking"), {"fields": TRACKING_FIELDS}),
        (_("History"), {"fields": ["history"]}),
    ]
    readonly_fields = [
        "reference",
        *PATIENT_FIELDS,
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

    @admin.display(description=_("audit history"))
    def history(self, obj):
        entries = obj.audit_entries.select_related("actor")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.actor.get_username() if entry.actor else _("patient/system"),
                    entry.get_action_display(),
                    self._describe_changes(entry.changes),
                    entry.ip_address or "",
                )
                for entry in entries
            ),
        )
        return format_html(
            '<table class="booking-history"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("When"),
            _("Who"),
            _("Action"),
            _("What changed"),
            _("IP"),
            rows,
        )

    @staticmethod
    def _describe_changes(changes: dict) -> str:
        parts = []
        for field, value in changes.items():
            if isinstance(value, list) and len(value) == 2:
                parts.append(f"{field}: {value[0] or '—'} → {value[1] or '—'}")
            else:
                parts.append(f"{field}: {value}")
        return "; ".join(parts)

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
        try:
            number = phonenumbers.parse(search_term, settings.PHONE_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return queryset, may_have_duplicates
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        queryset |= filtered.filter(phone=e164)
        return queryset, may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                action=AuditEntry.Action.VIEWED,
                appointment_request_id=object_id,
                actor=request.user,
                ip_address=client_ip(request),
            )
        return response

    def save_model(self, request, obj, form, change):
        obj.handled_by = request.user
        changes = {}
        for field in form.changed_data:
            if field in PRIVATE_FIELDS:
                changes[field] = "changed"
            else:
                old, new = form.initial.get(field), form.cleaned_data.get(field)
                changes[field] = [
                    "" if old is None else str(old),
                    "" if new is None else str(new),
                ]
        appointment_request_update(
            appointment_request=obj,
            changes=changes,
            actor=request.user,
            ip_address=client_ip(request),
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
        writer.writerow(
            [
                "reference",
                "created",
                "status",
                "first name",
                "last name",
                "email",
                "phone",
                "treatment",
                "preferred date",
                "time of day",
                "new or returning",
                "contact by",
                "appointment",
                "handled by",
                "came from",
            ]
        )
        for row in rows:
            writer.writerow(
                csv_safe(value)
                for value in [
                    row.reference,
                    timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M"),
                    row.get_status_display(),
                    row.first_name,
                    row.last_name,
                    row.email,
                    row.phone,
                    row.treatment.name if row.treatment else "Consultation",
                    row.preferred_date.isoformat(),
                    row.get_preferred_time_display(),
                    row.get_patient_type_display(),
                    row.get_contact_method_display(),
                    timezone.localtime(row.scheduled_for).strftime("%Y-%m-%d %H:%M")
                    if row.scheduled_for
                    else "",
                    row.handled_by.get_username() if row.handled_by else "",
                    row.source_article.title if row.source_article else row.source_path,
                ]
            )
        appointment_requests_record_export(
            appointment_requests=rows,
            actor=request.user,
            ip_address=client_ip(request),
        )
        return response

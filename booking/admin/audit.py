"""The audit trail in the admin: each record's history, the pages that show
patients' records noting who opened them (booking.audit writes the entries),
and the whole trail for managers."""

from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from booking import audit
from booking.admin.roles import ForbiddenActionsRefused
from booking.http import client_ip
from booking.models import AuditEntry
from medspa.record_admin import ReadOnlyRecordAdmin


def entry_author(entry: AuditEntry) -> str:
    if entry.actor:
        return entry.actor.get_username()
    return _("the patient, online") if entry.by_patient else _("patient/system")


def describe_changes(changes: dict) -> str:
    parts = []
    for field, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{field}: {value[0] or '—'} → {value[1] or '—'}")
        else:
            parts.append(f"{field}: {value}")
    return "; ".join(parts)


class AuditedRecords:
    """For the admins of requests and appointments: the record's audit
    history on its page, and a note of who opened its history page and which
    records a staff search listed (the change page notes its own view, through
    shown_record). booking.audit.record_search says what a search keeps.

    Patients are found through the search box only: a filter on a patient
    field in the address (?last_name__icontains=…, ?phone=…) would list them
    unrecorded, so it is refused (400), except for the list filters offered
    on the page itself (treatment, preferred date, contact method); so is the
    admin's autocomplete search.
    """

    def lookup_allowed(self, lookup, value, request):
        field = lookup.split(LOOKUP_SEP, 1)[0]
        if field in self.model.PATIENT_FIELDS and field not in self._filtered_fields(
            request
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        # The admin's autocomplete endpoint would search patients by name,
        # email or phone and answer with references, unrecorded. No form
        # here picks requests or appointments that way, so it offers none
        # (Django answers 404 to a model with no search fields).
        match = request.resolver_match
        if match is not None and match.view_name == "admin:autocomplete":
            return ()
        return super().get_search_fields(request)

    def _filtered_fields(self, request) -> set[str]:
        """The fields the page's own list filters and date links filter on."""
        fields = {self.date_hierarchy}
        for list_filter in self.get_list_filter(request):
            if isinstance(list_filter, list | tuple):
                list_filter = list_filter[0]
            if isinstance(list_filter, str):
                fields.add(list_filter.split(LOOKUP_SEP, 1)[0])
        return fields

    @staticmethod
    def shown_record(response):
        """The record whose change page the response shows, whatever the
        method (a POST with errors shows it again), or None for a redirect
        or any other page."""
        if response.status_code != 200:
            return None
        return (getattr(response, "context_data", None) or {}).get("original")

    @admin.display(description=_("audit history"))
    def history(self, obj):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry_author(entry),
                    entry.get_action_display(),
                    describe_changes(entry.changes),
                    entry.ip_address or "",
                )
                for entry in obj.audit_entries.select_related("actor")
            ),
        )
        return format_html(
            '<table class="booking-history"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("When"),
            _("Who"),
            _("Action"),
            _("Details"),
            _("IP"),
            rows,
        )

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            audit.record_page_view(
                subject=response.context_data["object"],
                page="history",
                actor=request.user,
                ip_address=client_ip(request),
            )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # Whatever the method: a POST that is not a successful action (say,
        # ?q=… with no action chosen) shows the list too, while a successful
        # one redirects and lists nothing.
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist and changelist.query.strip():
            audit.record_search(
                list_name=str(self.opts.verbose_name_plural),
                listed=list(changelist.result_list),
                results=changelist.result_count,
                actor=request.user,
                ip_address=client_ip(request),
            )
        return response


@admin.register(AuditEntry)
class AuditEntryAdmin(ForbiddenActionsRefused, ReadOnlyRecordAdmin, admin.ModelAdmin):
    """The trail, for managers (view_auditentry) and superusers: never added
    to, changed or deleted here, by anyone."""

    actions = None

    list_display = ["when", "who", "action", "record", "details", "ip_address"]
    list_filter = ["action", "by_patient", ("actor", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["actor", "appointment_request", "appointment"]
    # References and usernames only: the trail holds no patient details to
    # search for.
    search_fields = [
        "appointment_request__reference",
        "appointment__reference",
        "actor__username",
    ]
    date_hierarchy = "created_at"
    # Every page still counts what it lists (the pagination needs it); this
    # spares only the second count, of the whole trail, that a filtered or
    # searched page would show as "(n total)".
    show_full_result_count = False
    fields = ["when", "who", "action", "record", "details", "ip_address"]
    readonly_fields = fields

    @admin.display(description=_("when"), ordering="created_at")
    def when(self, obj):
        local = timezone.localtime(obj.created_at)
        return f"{local:%Y-%m-%d %H:%M:%S %Z} ({obj.created_at:%H:%M:%S} UTC)"

    @admin.display(description=_("who"), ordering="actor__username")
    def who(self, obj):
        return entry_author(obj)

    @admin.display(description=_("record"))
    def record(self, obj):
        subject = obj.appointment_request or obj.appointment
        if subject is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse(
                f"admin:booking_{subject._meta.model_name}_change", args=[subject.pk]
            ),
            subject.reference,
        )

    @admin.display(description=_("details"))
    def details(self, obj):
        return describe_changes(obj.changes)

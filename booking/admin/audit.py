"""The audit trail in the admin: each record's history, the pages that show
patients' records noting who opened them (booking.audit writes the entries),
and the whole trail for managers."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from booking import audit
from booking.admin.roles import ForbiddenActionsRefused
from booking.http import client_ip
from booking.models import AuditEntry


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
    records a staff search listed (the change page notes its own view).

    A search is recorded without its term: a name, email or phone number is
    the very thing the trail must not hold, and even hashed it is found again
    by trying names or the few billion phone numbers. What it showed is kept
    instead: one entry per record on the page it listed, with the number of
    matches, or one entry with no record when nothing matched.
    """

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
            audit.record(
                action=AuditEntry.Action.VIEWED,
                records=[response.context_data["object"]],
                actor=request.user,
                ip_address=client_ip(request),
                details={"page": "history"},
            )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and changelist and changelist.query.strip():
            self._record_search(request, changelist)
        return response

    def _record_search(self, request, changelist) -> None:
        details = {
            "list": str(self.opts.verbose_name_plural),
            "results": changelist.result_count,
        }
        who = {"actor": request.user, "ip_address": client_ip(request)}
        listed = list(changelist.result_list)
        if listed:
            audit.record(
                action=AuditEntry.Action.SEARCHED,
                records=listed,
                details=details,
                **who,
            )
        else:
            AuditEntry.objects.create(
                action=AuditEntry.Action.SEARCHED, changes=details, **who
            )


@admin.register(AuditEntry)
class AuditEntryAdmin(ForbiddenActionsRefused, admin.ModelAdmin):
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
    # The trail only grows: no COUNT(*) of all of it on every page.
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

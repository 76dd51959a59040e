import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Case, F, Min, When
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult, get_date_max

from booking.periodic import stale_tasks

# Seconds a client is asked to wait before trying again while the database is
# unreachable: about as long as a restart or a failover takes.
RETRY_AFTER_SECONDS = 30


def oldest_ready_task_wait() -> float | None:
    """Seconds the longest-waiting runnable task has waited, or None."""
    # A task queued for later (an email retry) waits from its run_after.
    waiting_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=F("run_after"),
    )
    since = DBTaskResult.objects.ready().aggregate(since=Min(waiting_since))["since"]
    return None if since is None else (timezone.now() - since).total_seconds()


@require_safe
@never_cache
def healthz(request):
    """The app, a database round trip and the task queue, for load balancers
    and monitoring: 503 when the database does not answer or a runnable task
    has waited longer than HEALTHZ_MAX_TASK_WAIT_SECONDS (the worker is down
    or stuck, and booking emails are not going out)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        waited = oldest_ready_task_wait()
        if waited is None or waited <= settings.HEALTHZ_MAX_TASK_WAIT_SECONDS:
            return JsonResponse({"status": "ok"})
        # Only counted when something is wrong: running tasks have no index.
        stale_running = stale_tasks().count()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse(
        {
            "status": "error",
            "tasks": {
                "oldest_ready_seconds": round(waited),
                "stale_running": stale_running,
            },
        },
        status=503,
    )


def server_error(request):
    """503 with Retry-After when the database is unreachable (raised in a
    view or in a middleware such as sessions), on a page that needs no
    database; the 500 page in the site layout otherwise."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # Standalone, not base.html: the layout's footer, messages and
        # structured data would each try the database again.
        response = HttpResponse(
            render_to_string("503.html", {"clinic": settings.CLINIC}), status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return render(request, "500.html", status=500)

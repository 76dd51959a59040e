"""Error pages Django renders through a view of ours (the 400 and 403 pages
are plain templates: templates/400.html and templates/403.html)."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form post refused by the CSRF check: say what happened, in words a
    patient can act on, and how to reach the clinic instead (settings.
    CSRF_FAILURE_VIEW). `reason` is already in the django.security.csrf log."""
    return render(request, "403_csrf.html", status=403)

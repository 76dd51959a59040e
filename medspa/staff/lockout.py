"""How django-axes names who failed to sign in, in its records and log lines.

A username that names no account is often a password typed into the wrong box,
so axes keeps a keyed digest of it instead: the same text gives the same digest,
so its failures still add up to a lockout.
"""

from django.contrib.auth import get_user_model
from django.utils.crypto import salted_hmac


def username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the username typed, or a digest of it."""
    typed = (credentials or request.POST).get("username")
    User = get_user_model()
    if (
        typed is None
        or User._default_manager.filter(**{User.USERNAME_FIELD: typed}).exists()
    ):
        return typed
    return (
        "unknown-"
        + salted_hmac("axes-username", typed, algorithm="sha256").hexdigest()[:20]
    )


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """AXES_CLIENT_STR_CALLABLE: axes' own format, with the username above (its
    default would mask it, as AXES_SENSITIVE_PARAMETERS names it for the form
    data it keeps)."""
    return (
        f'{{username: "{username}", ip_address: "{ip_address}", '
        f'path_info: "{path_info}"}}'
    )

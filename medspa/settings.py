"""Settings for medspa. Every difference between environments is an environment
variable (see the table in README.md); the defaults are safe for development."""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production"
    )
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS",
        default=["127.0.0.1", "localhost", "[::1]", "testserver"],
    )
else:
    # Production fails fast rather than running with a guessable key or open hosts.
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The clinic's own page, with its phone number, instead of Django's bare one.
CSRF_FAILURE_VIEW = "medspa.error_pages.csrf_failure"
ADMIN_URL = env("DJANGO_ADMIN_URL", default="admin/")

INSTALLED_APPS = [
    # The admin's default site asks staff for a second factor (medspa/staff).
    "medspa.staff.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver also serves through WhiteNoise.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "medspa.staff",
    "booking",
    "blog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware so static files skip the rest of the stack.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Whole public pages for visitors without a session (medspa/page_cache.py),
    # served before the middleware below, which has nothing to do for them;
    # everything above still sets its headers on them.
    "medspa.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a session it ends says why on the sign-in page.
    "medspa.staff.middleware.StaffSessionTimeoutMiddleware",
    # Turns a locked-out sign-in into the branded 429 page.
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the view's 404 before CommonMiddleware's slash redirect.
    "blog.redirects.RedirectMiddleware",
]

ROOT_URLCONF = "medspa.urls"
WSGI_APPLICATION = "medspa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medspa.context_processors.clinic",
            ],
            # medspa is not an app, so its tag library is named here.
            "libraries": {"clinic_tags": "medspa.clinic_tags"},
        },
    },
]

# --- Database ---------------------------------------------------------------
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from medspa.embedded_postgres import database_url

    DATABASES = {"default": env.db_url_config(database_url())}
# Persistent connections, checked before each request so a database restart
# costs at most the requests in flight, never a restart of the app.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env("DJANGO_TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("DJANGO_TEST_DB_NAME")}

# --- Cache: shared by every app server, so it lives in PostgreSQL -------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "medspa_cache",
    },
    # Small per-process pieces: the clinic's details, blank form fragments.
    # Each per-process cache has its own LOCATION: caches sharing one share
    # their memory and culling, and the smallest MAX_ENTRIES would evict all.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # Whole public pages, per process, checked against the site version (one
    # indexed query) on every hit (medspa.page_cache). Search results have
    # their own, so visitors' queries cannot crowd the articles out.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 3000},
    },
    "searches": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "searches",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
    # Search results' article cards, per process (blog.search.result_cards):
    # room for every card of a large library, kept until the article changes
    # (the key holds its updated_at).
    "cards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cards",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # The blank request form, per process (booking.views.requests): visitors
    # choose its ?treatment= and ?article=, so it cannot crowd out the rest.
    "forms": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "forms",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # Rendered online-booking times pages, per process, checked against the
    # calendar version on every hit (booking.views.online.cached_times_page).
    "times": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "times",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

# --- Auth -------------------------------------------------------------------
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator", "OPTIONS": {"min_length": 15}},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out username and address before any password
# is checked (and hashed).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (django-axes, counted in the database): this many failed sign-ins for
# one username from one address lock that pair for the cool-off.
AXES_FAILURE_LIMIT = env.int("STAFF_SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The same client address as the booking rate limit, so a made-up
# X-Forwarded-For cannot dodge the lockout.
AXES_CLIENT_IP_CALLABLE = "booking.http.client_ip"
AXES_LOCKOUT_CALLABLE = "medspa.staff.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# Failures are logged with the username and address, never the password, nor
# a wrong sign-in code or the typed username in the form data axes keeps with
# the attempt; a username that names no account (a password in the wrong box?)
# is recorded and logged as a digest (medspa.staff.lockout). Not verbose: no
# startup banner in every manage.py command's output.
AXES_SENSITIVE_PARAMETERS = ["code", "username"]
AXES_USERNAME_CALLABLE = "medspa.staff.lockout.username"
AXES_CLIENT_STR_CALLABLE = "medspa.staff.lockout.client_str"
AXES_VERBOSE = False
# django-otp's own pause after wrong codes (1, 2, 4... seconds per app; 1 is
# its default factor) is kept: it alone slows guesses spread over many
# addresses. Wrong codes also count in axes (medspa.staff.services), so one
# address gets AXES_FAILURE_LIMIT tries per cool-off (a 16-second pause at
# most); stretched over hours, resetting the person's app clears it.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Staff sessions end after this long without a request, and this long after
# sign-in whatever happens (medspa.staff.middleware).
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
STAFF_SESSION_MAX_HOURS = env.int("STAFF_SESSION_MAX_HOURS", default=12)

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("CLINIC_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security (values from ../shared/SECURITY.md) ----------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int(
    "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=262144
)
# Admin uploads (hero images) may be larger than form posts; streamed to disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
# Only the admin takes files; a file sent anywhere else is refused unstored.
FILE_UPLOAD_HANDLERS = [
    "medspa.uploads.AdminOnlyUploads",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    # Behind a proxy that terminates TLS and always sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # A load balancer's health probe speaks plain HTTP to gunicorn; a redirect
    # would read as "unhealthy" (SECURITY-REVIEW #18).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Mail and background tasks ----------------------------------------------
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CLINIC_INBOX_EMAIL = env("CLINIC_INBOX_EMAIL", default="frontdesk@localhost")
if DEBUG and not env("DJANGO_SMTP_HOST", default=""):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    # Production without DJANGO_SMTP_HOST relays through the host's own MTA.
    _smtp_remote = bool(env("DJANGO_SMTP_HOST", default=""))
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("DJANGO_SMTP_HOST", default="localhost"),
                "port": env.int(
                    "DJANGO_SMTP_PORT", default=587 if _smtp_remote else 25
                ),
                "username": env("DJANGO_SMTP_USER", default=""),
                "password": env("DJANGO_SMTP_PASSWORD", default=""),
                "use_tls": env.bool("DJANGO_SMTP_USE_TLS", default=_smtp_remote),
                "timeout": 10,
            },
        }
    }

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task still running this long after it started has lost its worker (killed,
# or the database went away mid-task): the periodic sweep queues it again.
# Longer than any task runs (a few emails, each within the 10 s SMTP timeout
# and up to 2 minutes waiting for the database to record it), and than the
# email claim (BOOKING_EMAIL_CLAIM_LEASE_SECONDS): run again sooner, a task
# would skip the emails its dead worker still holds a claim on.
TASK_STUCK_AFTER_SECONDS = env.int("TASK_STUCK_AFTER_SECONDS", default=900)
# /healthz answers 503 once a runnable task has waited this long: no worker is
# taking tasks, so booking emails are not going out.
HEALTHZ_MAX_TASK_WAIT_SECONDS = env.int("HEALTHZ_MAX_TASK_WAIT_SECONDS", default=300)

# --- The clinic (shown in the layout, footer and structured data) ------------
CLINIC = {
    "name": env("CLINIC_NAME", default="Willow Aesthetics Medical Spa"),
    "phone": env("CLINIC_PHONE", default="+15555550142"),
    "phone_display": env("CLINIC_PHONE_DISPLAY", default="(555) 555-0142"),
    "sms": env("CLINIC_SMS", default="+15555550142"),
    "email": env("CLINIC_EMAIL", default="hello@example.com"),
    "street": env("CLINIC_STREET", default="120 Garden Street, Suite 2"),
    "city": env("CLINIC_CITY", default="Springfield"),
    "region": env("CLINIC_REGION", default="IL"),
    "postal_code": env("CLINIC_POSTAL_CODE", default="62701"),
    "country": env("CLINIC_COUNTRY", default="US"),
    # Opening hours: weekday number (Monday=0) -> (opens, closes), 24 h clock.
    "hours": {
        0: ("09:00", "18:00"),
        1: ("09:00", "18:00"),
        2: ("09:00", "18:00"),
        3: ("10:00", "19:00"),
        4: ("09:00", "17:00"),
        5: ("09:00", "14:00"),
    },
}
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="US")
# The name authenticator apps show next to a staff member's codes.
OTP_TOTP_ISSUER = CLINIC["name"]
# Not even a superuser reads someone's authenticator secret or recovery codes
# in the admin (they could then sign in as them).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Patients' secret links never reach a log line (medspa/secret_links.py).
    "filters": {"secret_links": {"()": "medspa.secret_links.MaskSecretLinks"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["secret_links"]}
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        # Through the root's (masked) console only, not Django's own handlers
        # as well: no line is printed twice, none unmasked.
        "django": {"handlers": [], "propagate": True},
    },
}

# --- Proxy / client address -------------------------------------------------
# The proxies in front of gunicorn (addresses or CIDR networks), whose
# X-Forwarded-For entries are believed (booking.http.client_ip); a request from
# any other address is its own client. Default: this machine, where the proxy of
# deploy/nginx.conf runs. Without the right list, every patient would share the
# proxy's address (in the booking rate limit and the admin's audit trail).
# Parsed here, so a mistyped network stops the start with its name.
TRUSTED_PROXIES = [
    ipaddress.ip_network(network)
    for network in env.list(
        "DJANGO_TRUSTED_PROXIES", default=["127.0.0.1/32", "::1/128"]
    )
]

# --- Booking ----------------------------------------------------------------
# Absolute base for links in emails (the worker has no request to build them from).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Staff passkeys (django-otp-webauthn) -----------------------------------
# A passkey is the second sign-in step only, after the password (medspa.staff
# .views); never a way in on its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = CLINIC["name"]
# A passkey belongs to one domain, by default SITE_URL's. Browsers refuse an IP
# address, so development's 127.0.0.1 becomes localhost (open the back office
# at http://localhost:8000 to use one).
_passkey_site = urlsplit(SITE_URL)
_passkey_host = (
    "localhost"
    if _passkey_site.hostname in {"127.0.0.1", "::1"}
    else _passkey_site.hostname
)
_passkey_port = f":{_passkey_site.port}" if _passkey_site.port else ""
OTP_WEBAUTHN_RP_ID = env("STAFF_PASSKEY_DOMAIN", default=_passkey_host)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "STAFF_PASSKEY_ORIGINS",
    default=[f"{_passkey_site.scheme}://{_passkey_host}{_passkey_port}"],
)
# `manage.py anonymize_appointment_requests` anonymises closed requests older than
# this; under booking.services.MIN_RETENTION_DAYS (30) the booking.E001 system check
# fails, so `migrate` stops a deploy before the nightly job could erase anything.
BOOKING_RETENTION_DAYS = env.int("BOOKING_RETENTION_DAYS", default=365)
BOOKING_RATE_LIMIT = env.int("BOOKING_RATE_LIMIT", default=5)
BOOKING_RATE_LIMIT_WINDOW = env.int("BOOKING_RATE_LIMIT_WINDOW", default=600)
BOOKING_MIN_FILL_SECONDS = env.int("BOOKING_MIN_FILL_SECONDS", default=3)
# Times one client may hold per BOOKING_RATE_LIMIT_WINDOW while booking online,
# so nobody can block the calendar by holding every free time.
BOOKING_HOLD_LIMIT = env.int("BOOKING_HOLD_LIMIT", default=20)
BOOKING_MAX_DAYS_AHEAD = env.int("BOOKING_MAX_DAYS_AHEAD", default=183)
# Holidays and other one-off closures, as ISO dates (2026-12-25,2027-01-01).
BOOKING_CLOSED_DATES = [
    day.strip() for day in env.list("BOOKING_CLOSED_DATES", default=[]) if day.strip()
]
BOOKING_EMAIL_MAX_ATTEMPTS = env.int("BOOKING_EMAIL_MAX_ATTEMPTS", default=10)
BOOKING_EMAIL_RETRY_SECONDS = env.int("BOOKING_EMAIL_RETRY_SECONDS", default=60)
# A booking's emails still unsent this long after it was stored, with no task
# queued for them (the database went away as it was stored), are queued again
# by the periodic sweep.
BOOKING_EMAIL_GRACE_SECONDS = env.int("BOOKING_EMAIL_GRACE_SECONDS", default=120)
# An email (or message) claimed for sending this long ago belongs to a worker
# that died mid-send and may be sent by another. Keep it well above the SMTP
# timeout plus the 2 minutes a sender waits for the database to record a sent
# email (booking.emails.DATABASE_WAIT), or a live but slow send goes twice.
BOOKING_EMAIL_CLAIM_LEASE_SECONDS = env.int(
    "BOOKING_EMAIL_CLAIM_LEASE_SECONDS", default=600
)
# Seconds a rendered form stays valid: its signed token then expires and the
# patient is asked to press Send again (nothing typed is lost).
BOOKING_FORM_MAX_AGE = env.int("BOOKING_FORM_MAX_AGE", default=7200)
# Acknowledgment emails sent to one address per day, so the form cannot be used to
# mail strangers; past it the request is still stored and the clinic still notified.
BOOKING_ACKNOWLEDGMENTS_PER_DAY = env.int("BOOKING_ACKNOWLEDGMENTS_PER_DAY", default=3)

# --- After booking: changes, reminders, waitlist (README "Appointments") -----
# Patients cancel or move online up to this many hours before; later they call.
BOOKING_CANCELLATION_CUTOFF_HOURS = env.int(
    "BOOKING_CANCELLATION_CUTOFF_HOURS", default=24
)
# Shown before a patient books; empty: a sentence built from the cut-off.
BOOKING_CANCELLATION_POLICY = env("BOOKING_CANCELLATION_POLICY", default="")
# Hours before an appointment its reminder goes out; the second one is optional
# (0: none).
BOOKING_REMINDER_HOURS = env.int("BOOKING_REMINDER_HOURS", default=24)
BOOKING_SECOND_REMINDER_HOURS = env.int("BOOKING_SECOND_REMINDER_HOURS", default=0)
# No text messages in this window of the location's local time ("HH:MM-HH:MM",
# may cross midnight); a reminder due inside it waits for the window's end.
BOOKING_SMS_QUIET_HOURS = env("BOOKING_SMS_QUIET_HOURS", default="21:00-08:00")
# Waitlisted patients emailed about one freed time, in the order they joined.
BOOKING_WAITLIST_OFFERS = env.int("BOOKING_WAITLIST_OFFERS", default=5)
# Text messages: booking.sms.ConsoleBackend prints them (development, tests);
# booking.sms.HttpBackend posts them to a provider's API (see README).
SMS_BACKEND = env("SMS_BACKEND", default="booking.sms.ConsoleBackend")
SMS_API_URL = env("SMS_API_URL", default="")
SMS_API_USER = env("SMS_API_USER", default="")
SMS_API_PASSWORD = env("SMS_API_PASSWORD", default="")
SMS_FROM = env("SMS_FROM", default="")

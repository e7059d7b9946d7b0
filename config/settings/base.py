"""Settings shared by every environment. Values that differ come from the environment.

local.py (the demo and development), test.py and production.py build on this file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_choice, env_float, env_int, env_list, env_str, env_url
from config.logging import install as install_log_masking

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "config.apps.AttendConfig",
    # Attend's own apps, lowest first: each imports only from those above it
    # (tests/test_architecture.py keeps it so).
    "audit",
    "accounts",
    "patients",
    "appointments",
    "risk",
    "pilots",
    "reminders",
    "letters",
    "calls",
    "safeguarding",
    "monitoring",
    "reports",
    "targets",
    "aggregates",
    "hub",
    # After Attend's apps, in this order: TOTP for password logins (django-otp), login lockout,
    # Content Security Policy, and the API documentation's Swagger UI served from Attend itself
    # rather than a CDN (see below).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.NoStoreWhenSignedInMiddleware",  # Cache-Control: no-store for signed-in people
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]
# Every form field is drawn as an NHS.UK frontend form group (label, hint, error, control): config/forms.py.
FORM_RENDERER = "config.forms.NHSUKFormRenderer"

# --- Database -------------------------------------------------------------------------
# DATABASE_URL selects the database (postgres://… in production). Without it, the
# embedded default is a SQLite file beside the code, which is what `make demo` uses.
DATABASE_URL = env_url("DATABASE_URL", None, schemes=("postgres", "postgresql", "sqlite"))
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("ATTEND_MEDIA_ROOT", str(BASE_DIR / "media")))

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # A locked-out login's API tokens are refused too (accounts/authentication.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.LockoutAwareTokenAuthentication",
    ],
    # An API view that names no role is closed: views declare accounts.permissions.HasRole(...).
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.DenyByDefault"],
    # The API speaks JSON only. People read it through /api/docs/ (Swagger UI); DRF's
    # browsable pages would need inline styles that the CSP forbids.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attend API",
    "DESCRIPTION": "Outpatient DNA risk, call lists, reminders and deprivation reports for NHS trusts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Every operation's common error answers (401, 403, 404, 429; 400 and 415 where it takes input).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CallTaskStatusEnum": "calls.models.CallTaskStatus",
        "SupportStatusEnum": "calls.models.SupportStatus",
    },
    # The Swagger UI and ReDoc assets come from drf_spectacular_sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema names every endpoint; only signed-in staff may read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- Celery -----------------------------------------------------------------------------
# REDIS_URL configures the broker. Without it (the embedded default) tasks run
# in-process as they are enqueued, and the web app says so in its log as it starts (config/wsgi.py).
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss"))
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis re-delivers an unacknowledged task after this many seconds; long ETA tasks are
# never used (due work lives in tables that beat sweeps), so one hour is ample.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# --- Attend -------------------------------------------------------------------------------
ATTEND_TRUST_NAME = env_str("ATTEND_TRUST_NAME", "Attend demonstration trust")
# The trust's ODS organisation code (e.g. RAT), named with ATTEND_TRUST_NAME in its aggregate exports;
# blank (the default): no aggregate export is made until it is set.
ATTEND_TRUST_ODS_CODE = env_str("ATTEND_TRUST_ODS_CODE", "")
# Cost of one missed appointment, used to value DNAs avoided (GBP).
ATTEND_COST_PER_DNA = env_float("ATTEND_COST_PER_DNA", 160.0)

# Django's own "django.server" request log is declared here too, so the masking filter is
# part of its configuration: a second django.setup() (a WSGI app built in-process) rebuilds
# Django's default handler, which would otherwise come back unmasked.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": env_str("ATTEND_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# --- Issue 3: extract import and deprivation ---
# The IMD vintage new deciles are derived in (IMD2019 or IMD2025); blank means the
# newest vintage whose File 1 has been loaded.
ATTEND_IMD_VINTAGE = env_choice("ATTEND_IMD_VINTAGE", "", choices=("", "IMD2019", "IMD2025"))
# The largest extract the upload API accepts (bytes); the command line has no limit.
ATTEND_IMPORT_MAX_UPLOAD_BYTES = env_int("ATTEND_IMPORT_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024, minimum=1024)
# --- Issue 4: DNA risk model ---
# Which features a new risk model uses (default: all of appointments/risk/features.py's
# catalogue). A trust may exclude some, e.g. ATTEND_RISK_EXCLUDED_FEATURES=imd_decile.
# Ethnicity is never a model input, whatever these say.
ATTEND_RISK_FEATURES = env_list("ATTEND_RISK_FEATURES", [])
ATTEND_RISK_EXCLUDED_FEATURES = env_list("ATTEND_RISK_EXCLUDED_FEATURES", [])
# The time-based split is chosen from each trust's data (risk/slices.py) or given by
# train_risk_model --holdout-from / --calibration-from; it has no setting.
ATTEND_RISK_CALIBRATION = env_choice("ATTEND_RISK_CALIBRATION", "platt", choices=("platt", "isotonic"))
ATTEND_RISK_MIN_ROWS = env_int("ATTEND_RISK_MIN_ROWS", 1000, minimum=10)
# A category (a clinic's specialty, a medium) or a weekday or hour seen on fewer appointments than this
# in training is pooled with missing: the model learns nothing from it alone and gives no reason from it.
ATTEND_RISK_MIN_CATEGORY_ROWS = env_int("ATTEND_RISK_MIN_CATEGORY_ROWS", 30, minimum=1)
# Above this many rows in a slice, the risk model's candidates (and its refit and baselines) are fitted on
# a seeded random sample of this many of them (risk/training.py; the model card says so). Two million
# fit in a few GB on a 2-core machine in tens of minutes, and are far more than the model's few
# hundred leaves or coefficients need; every appointment still feeds the features and the judging.
ATTEND_RISK_MAX_FIT_ROWS = env_int("ATTEND_RISK_MAX_FIT_ROWS", 2_000_000, minimum=1000)
# Upcoming appointments scored each night, and how many patients' histories per chunk.
ATTEND_RISK_SCORE_DAYS = env_int("ATTEND_RISK_SCORE_DAYS", 42, minimum=1)
ATTEND_RISK_SCORE_CHUNK = env_int("ATTEND_RISK_SCORE_CHUNK", 20_000, minimum=100)
# --- Issue 5: pilots and call lists ---
# The day's list calls about appointments this many days ahead (inclusive).
ATTEND_CALL_DAYS_AHEAD_MIN = env_int("ATTEND_CALL_DAYS_AHEAD_MIN", 3, minimum=0)
ATTEND_CALL_DAYS_AHEAD_MAX = env_int("ATTEND_CALL_DAYS_AHEAD_MAX", 7, minimum=0)
# Without a pilot, appointments at or above this risk band are called (low, medium, high).
ATTEND_CALL_MINIMUM_BAND = env_choice("ATTEND_CALL_MINIMUM_BAND", "high", choices=("low", "medium", "high"))
# A patient is not put on a list again within this many days of their last call.
ATTEND_CALL_MIN_DAYS_BETWEEN = env_int("ATTEND_CALL_MIN_DAYS_BETWEEN", 7, minimum=1)
# No answer: the call comes back after this many minutes, up to this many attempts.
ATTEND_CALL_RETRY_AFTER_MINUTES = env_int("ATTEND_CALL_RETRY_AFTER_MINUTES", 120, minimum=1)
ATTEND_CALL_MAX_ATTEMPTS = env_int("ATTEND_CALL_MAX_ATTEMPTS", 3, minimum=1)
# When the morning task builds the day's lists (Europe/London).
ATTEND_WORKLIST_BUILD_AT = env_str("ATTEND_WORKLIST_BUILD_AT", "07:00")
# --- Issue 19: bank holidays and closures ------------------------------------------------
# Reminders, call lists and the "days before" rules skip the bank holidays of this nation
# (appointments/working_days.py) and the closure days an admin enters (trust-wide or per site).
# "none" observes no bank holidays (a seven-day service; the test suite, which runs on the clock).
ATTEND_BANK_HOLIDAY_REGION = env_choice(
    "ATTEND_BANK_HOLIDAY_REGION",
    "england-and-wales",
    choices=("england-and-wales", "scotland", "northern-ireland", "none"),
)
# Blank: the pinned `holidays` package. A path: a copy of GOV.UK's bank-holidays.json, which then
# replaces the package; a copy that cannot be read, or does not cover a year asked about, stops
# reminders and call lists (nothing is sent) until it is fixed.
ATTEND_BANK_HOLIDAY_FILE = env_str("ATTEND_BANK_HOLIDAY_FILE", "")
# The weekdays the call team works; lists are built only on these (and not on closures).
ATTEND_CALL_DAYS = env_list("ATTEND_CALL_DAYS", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
# --- Issue 19: children, "was not brought" and the safeguarding list ---------------------------
# A patient younger than this on the appointment's day is a child: their DNA is named "was not
# brought" on pages and reports (it still counts as a DNA in every rate).
ATTEND_CHILD_AGE_UNDER = env_int("ATTEND_CHILD_AGE_UNDER", 16, minimum=1)
# Treatment function codes whose children's DNAs go to the safeguarding list (safeguarding app)
# as well as into the DNA statistics. The default is every paediatric treatment function in the
# national list (appointments/importing/data/treatment_functions.csv): the "Paediatric …"
# services, 290 Community Paediatrics, 291 Neurodisability, 420 Paediatrics, 421 Paediatric
# Neurology, 422 Neonatal Critical Care and 711 Child and Adolescent Psychiatry. Blank lists none.
ATTEND_SAFEGUARDING_SPECIALTIES = env_list(
    "ATTEND_SAFEGUARDING_SPECIALTIES",
    ["142", "171", *(str(code) for code in range(211, 224)), "230", "240", "241", "242",
     *(str(code) for code in range(250, 265)), "270", "280", "290", "291", "321", "420", "421", "422", "711"],
)  # fmt: skip
# An entry still unreviewed this many days after it was listed is escalated: the directors' dashboard
# says how many are waiting (no patient details), and the nightly sweep logs a warning.
ATTEND_SAFEGUARDING_ESCALATE_AFTER_DAYS = env_int("ATTEND_SAFEGUARDING_ESCALATE_AFTER_DAYS", 2, minimum=1)
# --- Issue 6: SMS reminders -------------------------------------------------------------
# "database" (the default: an outbox table readable in the admin, for the demo and tests),
# "twilio" or "notify" (GOV.UK Notify, which trusts use as NHS Notify; settings below).
ATTEND_SMS_BACKEND = env_choice("ATTEND_SMS_BACKEND", "database", choices=("database", "twilio", "notify"))
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
# One of the two: a messaging service (preferred: it handles opt-outs and number pools)
# or a single from-number in E.164.
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
# Twilio's API address; blank for Twilio's own. The crash tests point it at a fake on loopback.
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "")
# The https:// address the provider reaches Attend on (for status callbacks and for
# checking webhook signatures behind a TLS proxy), e.g. https://attend.trust.nhs.uk
ATTEND_PUBLIC_BASE_URL = env_str("ATTEND_PUBLIC_BASE_URL", "")
# One send rate across every worker (messages per second).
ATTEND_SMS_RATE_PER_SECOND = env_int("ATTEND_SMS_RATE_PER_SECOND", 10, minimum=1)
# Sending window in local time (TIME_ZONE, the time appointments are in): "09:00-20:00"
# every day, with per-weekday overrides such as "sat=10:00-16:00,sun=closed".
ATTEND_SMS_SENDING_WINDOW = env_str("ATTEND_SMS_SENDING_WINDOW", "09:00-20:00")
ATTEND_SMS_SENDING_WINDOWS = env_str("ATTEND_SMS_SENDING_WINDOWS", "")
# Reminder rules: name=days before[:high] ("high" = only for high-risk appointments).
ATTEND_SMS_REMINDER_RULES = env_str("ATTEND_SMS_REMINDER_RULES", "7d=7,2d=2,1d-high-risk=1:high")
# Transient provider errors (429, 5xx, network) are retried with exponential backoff.
ATTEND_SMS_MAX_ATTEMPTS = env_int("ATTEND_SMS_MAX_ATTEMPTS", 5, minimum=1)
ATTEND_SMS_RETRY_BASE_SECONDS = env_int("ATTEND_SMS_RETRY_BASE_SECONDS", 60, minimum=1)
ATTEND_SMS_RETRY_MAX_SECONDS = env_int("ATTEND_SMS_RETRY_MAX_SECONDS", 3600, minimum=1)
# A delivery receipt that arrives before its message id is recorded waits this long.
ATTEND_SMS_EARLY_RECEIPT_DAYS = env_int("ATTEND_SMS_EARLY_RECEIPT_DAYS", 2, minimum=1)
# A claim older than this belongs to a worker that died mid-send. Only a provider outside
# the database holds claims (one message at a time, for one HTTP call of at most 10 s);
# the outbox claims, writes and records a batch in one transaction and leaves none.
ATTEND_SMS_CLAIM_TIMEOUT_SECONDS = env_int("ATTEND_SMS_CLAIM_TIMEOUT_SECONDS", 120, minimum=1)
ATTEND_SMS_SWEEP_BATCH = env_int("ATTEND_SMS_SWEEP_BATCH", 50, minimum=1)
ATTEND_SMS_SWEEP_SECONDS = env_int("ATTEND_SMS_SWEEP_SECONDS", 50, minimum=1)
# --- Issue 18: GOV.UK Notify (NHS Notify) as the SMS backend ----------------------------------
# The API key from Notify's "API integration" page (a live key, or a team key while testing).
NOTIFY_API_KEY = env_str("NOTIFY_API_KEY", "")
# Notify's API address; blank for GOV.UK Notify's own (a test double on loopback otherwise).
NOTIFY_API_BASE_URL = env_str("NOTIFY_API_BASE_URL", "")
# The Notify template each language's texts go through, as JSON: {"en": "<template id>", "cy": …}.
# Each template's content is just ((body)): Attend fills it with the reminder it wrote (see
# reminders/backends.py NotifyBackend). "en" is required; other languages fall back to it.
ATTEND_NOTIFY_SMS_TEMPLATES = env_str("ATTEND_NOTIFY_SMS_TEMPLATES", "")
# Optional: the id of one of the service's text message senders; blank for the service's default.
NOTIFY_SMS_SENDER_ID = env_str("NOTIFY_SMS_SENDER_ID", "")
# The bearer token set on Notify's delivery receipts callback; without it every receipt is refused.
NOTIFY_CALLBACK_BEARER_TOKEN = env_str("NOTIFY_CALLBACK_BEARER_TOKEN", "")
# --- Issue 18: letters (letters app) ----------------------------------------------------------
# A patient who cannot be texted but has an address gets a letter this many days before the
# appointment, posted on the working day on or before it (bank holidays and closures skipped).
ATTEND_LETTER_DAYS_BEFORE = env_int("ATTEND_LETTER_DAYS_BEFORE", 10, minimum=1)
# "print" (the default: the day's letters as one printable page for the post room) or "notify"
# (NHS Notify's letter API, with NOTIFY_API_KEY above).
ATTEND_LETTER_BACKEND = env_choice("ATTEND_LETTER_BACKEND", "print", choices=("print", "notify"))
# The Notify letter template per language and variant, as JSON: {"en": "<id>", "en:large_print":
# "<id>", "en:easy_read": "<id>", "cy": "<id>"}. "en" is required with the notify backend; a
# language without its own falls back to English; a variant never falls back to standard print.
ATTEND_NOTIFY_LETTER_TEMPLATES = env_str("ATTEND_NOTIFY_LETTER_TEMPLATES", "")
# --- Issue 20: the aggregate export and its delivery over MESH (aggregates app) -----------------
# The nightly export covers this many whole months before the current one, and runs at this time.
# One (the default) sends last month alone, again each night as late outcomes arrive: the hub
# replaces a period sent again and refuses one overlapping another, so rolling windows clash.
ATTEND_AGGREGATES_MONTHS = env_int("ATTEND_AGGREGATES_MONTHS", 1, minimum=1)
ATTEND_AGGREGATES_EXPORT_AT = env_str("ATTEND_AGGREGATES_EXPORT_AT", "07:30")
# MESH (NHS England's Message Exchange for Social Care and Health), through the mesh-client library.
# Blank: the export is only kept for download. An address: e.g. https://mesh-sync.spineservices.nhs.uk
# (live) or https://msg.intspineservices.nhs.uk (integration), whose NHS CA bundles mesh-client ships.
ATTEND_MESH_URL = env_str("ATTEND_MESH_URL", "")


def _needed_for_mesh(name: str) -> str:
    """Required (start-up names it when missing) once ATTEND_MESH_URL is set; blank otherwise."""
    return env_str(name) if ATTEND_MESH_URL else env_str(name, "")


# The trust's mailbox, its password and the environment's shared key (from the MESH onboarding),
# the hub's mailbox the files go to, and the workflow id agreed with the hub.
ATTEND_MESH_MAILBOX_ID = _needed_for_mesh("ATTEND_MESH_MAILBOX_ID")
ATTEND_MESH_PASSWORD = _needed_for_mesh("ATTEND_MESH_PASSWORD")
ATTEND_MESH_SHARED_KEY = _needed_for_mesh("ATTEND_MESH_SHARED_KEY")
ATTEND_MESH_RECIPIENT = _needed_for_mesh("ATTEND_MESH_RECIPIENT")
ATTEND_MESH_WORKFLOW_ID = env_str("ATTEND_MESH_WORKFLOW_ID", "ATTEND_AGGREGATES")
# The mailbox's TLS client certificate and its private key (PEM files), required over https; the CA
# bundle to trust (blank: mesh-client's own for the NHS endpoints above).
ATTEND_MESH_CLIENT_CERT = env_str("ATTEND_MESH_CLIENT_CERT", "")
ATTEND_MESH_CLIENT_KEY = env_str("ATTEND_MESH_CLIENT_KEY", "")
ATTEND_MESH_CA_BUNDLE = env_str("ATTEND_MESH_CA_BUNDLE", "")
# A send that fails (MESH unreachable, a server error) is tried again each night up to this many times.
ATTEND_MESH_MAX_ATTEMPTS = env_int("ATTEND_MESH_MAX_ATTEMPTS", 10, minimum=1)
# --- Issue 7: reports and pilot evaluation ---
# Call-handler minutes one call attempt takes on average (dialling, talking, recording),
# used to turn calls into handler hours in the pilot evaluation. ATTEND_COST_PER_DNA above
# values each DNA avoided.
ATTEND_MINUTES_PER_CALL = env_float("ATTEND_MINUTES_PER_CALL", 8.0)
# Reports read the rollup (reports/rollup.py) once it has been built; false makes every report
# read the appointments directly (to check the rollup against them, or while one is suspect).
ATTEND_REPORTS_USE_ROLLUP = env_bool("ATTEND_REPORTS_USE_ROLLUP", True)
# --- Issue 8: security hardening ----------------------------------------------------------
# Login lockout (django-axes). Staff in a trust often share one outgoing IP address, so
# failures are counted per username: five wrong passwords lock that login (from every
# address) for the cool-off period. A successful login clears the count.
# --- Issue 19: staff sign-in ------------------------------------------------------------------
# Single sign-on through OpenID Connect (Microsoft Entra ID, NHS CIS2 Authentication), off by
# default: the demo signs in with passwords. With it on, a password login is refused unless the
# login is an admin named in ATTEND_BREAK_GLASS_ADMINS; every password login that remains needs a
# TOTP code from the person's authenticator app (accounts/sign_in.py, accounts/oidc.py).
ATTEND_OIDC_ENABLED = env_bool("ATTEND_OIDC_ENABLED", False)


def _needed_for_oidc(name: str) -> str:
    """Required (start-up names it when missing) with OIDC on; blank otherwise."""
    return env_str(name) if ATTEND_OIDC_ENABLED else env_str(name, "")


# The provider's issuer (the ID token's `iss`), e.g. https://login.microsoftonline.com/<tenant>/v2.0,
# and its endpoints (from its /.well-known/openid-configuration), and Attend's registration there.
ATTEND_OIDC_ISSUER = _needed_for_oidc("ATTEND_OIDC_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = _needed_for_oidc("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = _needed_for_oidc("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = _needed_for_oidc("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = _needed_for_oidc("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_CLIENT_ID = _needed_for_oidc("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = _needed_for_oidc("OIDC_RP_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = "RS256"  # ID tokens signed with the provider's published keys, never the shared secret
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
LOGIN_REDIRECT_URL_FAILURE = "/login/"  # mozilla-django-oidc redirects to it as it stands
# The name on the sign-in button, e.g. "Microsoft" or "NHS Care Identity".
ATTEND_OIDC_PROVIDER_NAME = env_str("ATTEND_OIDC_PROVIDER_NAME", "your NHS account")
# Which claim names the person (the username Attend keeps); Entra's `oid` or `sub`, CIS2's `sub`.
ATTEND_OIDC_USERNAME_CLAIM = env_str("ATTEND_OIDC_USERNAME_CLAIM", "sub")
# Roles from a claim ("roles" for Entra app roles, "groups" for group ids; a dotted path reaches
# into a list of objects, e.g. CIS2's "nhsid_nrbac_roles.role_code"), mapped to Attend's roles by
# a JSON object of claim value → role, e.g. '{"6f1c…-group-id": "Call handler"}'. A person whose
# claims map to no role is refused, and loses the roles they had.
ATTEND_OIDC_ROLE_CLAIM = env_str("ATTEND_OIDC_ROLE_CLAIM", "roles")
ATTEND_OIDC_ROLE_MAP = env_str("ATTEND_OIDC_ROLE_MAP", "{}")
# The team from a claim (blank: teams are set in the admin); its value is the team's name, or is
# mapped to one by a JSON object of claim value → team name.
ATTEND_OIDC_TEAM_CLAIM = env_str("ATTEND_OIDC_TEAM_CLAIM", "")
ATTEND_OIDC_TEAM_MAP = env_str("ATTEND_OIDC_TEAM_MAP", "{}")
# With OIDC on, the only password logins: admins named here (for when the provider is down).
ATTEND_BREAK_GLASS_ADMINS = env_list("ATTEND_BREAK_GLASS_ADMINS", [])
# Every password login needs a TOTP code (django-otp). Production refuses to turn it off; the
# demo and the test suite do (local.py, test.py).
ATTEND_PASSWORD_MFA = env_bool("ATTEND_PASSWORD_MFA", True)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password is checked
    "accounts.sign_in.PasswordBackend",  # a password (and TOTP code) login, by the policy above
    *(["accounts.oidc.StaffOIDCBackend"] if ATTEND_OIDC_ENABLED else []),
]
AXES_FAILURE_LIMIT = env_int("ATTEND_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ATTEND_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the IP address to be a lockout parameter too; behind a trust's NAT that
# would let five typos anywhere lock every member of staff out, so it is deliberately not.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
# No "AXES: BEGIN version …" banner at every start and every command; lockouts are still
# logged (by username, the lockout parameter, without the address and browser verbose adds).
AXES_VERBOSE = False
ATTEND_BEHIND_PROXY = env_bool("ATTEND_BEHIND_PROXY", False)

# Sessions: a login ends when the browser closes, after ATTEND_SESSION_IDLE_MINUTES without
# a request, and in any case SESSION_COOKIE_AGE seconds after it began.
ATTEND_SESSION_IDLE_MINUTES = env_int("ATTEND_SESSION_IDLE_MINUTES", 30, minimum=1)

# Content Security Policy (django-csp 4): no inline script or style, nothing from other
# origins, and no framing. Templates put behaviour in static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # The NHS.UK frontend's Frutiger font is licensed for NHS services from assets.nhs.uk only.
        "font-src": ["'self'", "https://assets.nhs.uk"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Logs never carry an NHS number, phone number or message body (config/logging.py).
# Keep this after any handler is added to LOGGING.
install_log_masking(LOGGING)

# Call notes, message bodies and other registered free text are blanked after this many
# days (audit/retention.py; the nightly purge_expired_data job).
ATTEND_RETENTION_DAYS = env_int("ATTEND_RETENTION_DAYS", 400, minimum=30)

# Beat touches a heartbeat file on every tick (at least once a minute) for its healthcheck.
CELERY_BEAT_SCHEDULER = "config.beat_scheduler:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
# --- Issue 20: the collaborative hub -----------------------------------------------------------
# This Attend is also (or only) a provider collaborative's or ICB's hub: it receives member trusts'
# aggregate files (docs/aggregates/attend-aggregates-v1.schema.json) and shows the collaborative's
# pages (the hub app). Off by default: a trust's own Attend holds no other trust's figures.
ATTEND_HUB_ENABLED = env_bool("ATTEND_HUB_ENABLED", False)
# --- Issue 16: the risk model watched live (monitoring app) -------------------------------------
# The realised AUC may fall this far below the hold-out's before the page warns; mean predicted and
# observed DNA rates may part by this much (absolute); a month needs this many scored appointments
# with an outcome before either is judged.
ATTEND_MONITOR_AUC_DROP = env_float("ATTEND_MONITOR_AUC_DROP", 0.05)
ATTEND_MONITOR_CALIBRATION_DRIFT = env_float("ATTEND_MONITOR_CALIBRATION_DRIFT", 0.02)
ATTEND_MONITOR_MIN_APPOINTMENTS = env_int("ATTEND_MONITOR_MIN_APPOINTMENTS", 500, minimum=1)

"""Production: every secret and service comes from the environment, and start-up fails
with a message naming any that is missing or malformed."""

import re

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, REDIS_URL

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Malformed setting DJANGO_SECRET_KEY: use at least 50 random characters.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("Malformed setting DJANGO_ALLOWED_HOSTS: name the hosts; '*' is not allowed.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS])

env_str("DATABASE_URL")  # required: production never falls back to SQLite
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Malformed setting DATABASE_URL: production runs on PostgreSQL (postgres://…).")
if REDIS_URL is None:
    raise ImproperlyConfigured("Missing required setting REDIS_URL: set the REDIS_URL environment variable.")

# Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# --- Issue 6: SMS reminders -------------------------------------------------------------
# Malformed reminder rules or sending windows stop start-up, naming the setting: the
# reminders app checks them when it loads (reminders/apps.py), in every setting.
from config.settings.base import ATTEND_SMS_BACKEND  # noqa: E402

if ATTEND_SMS_BACKEND == "twilio":
    for _name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "ATTEND_PUBLIC_BASE_URL"):
        env_str(_name)  # required: names the missing variable at start
    if not (env_str("TWILIO_MESSAGING_SERVICE_SID", "") or env_str("TWILIO_FROM_NUMBER", "")):
        raise ImproperlyConfigured(
            "Missing required setting TWILIO_MESSAGING_SERVICE_SID (or TWILIO_FROM_NUMBER) "
            "for ATTEND_SMS_BACKEND=twilio."
        )
    if not env_str("ATTEND_PUBLIC_BASE_URL").startswith("https://"):
        raise ImproperlyConfigured("Malformed setting ATTEND_PUBLIC_BASE_URL: Twilio must reach Attend over https://.")
if ATTEND_SMS_BACKEND == "notify":
    # The key is "<key name>-<service id>-<secret>", both ids UUIDs, as Notify shows it once.
    _uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    if not re.fullmatch(rf"(.+-)?{_uuid}-{_uuid}", env_str("NOTIFY_API_KEY"), flags=re.IGNORECASE):
        raise ImproperlyConfigured(
            "Malformed setting NOTIFY_API_KEY: expected the whole key Notify showed, "
            "<key name>-<service id>-<secret key>."
        )
    if len(env_str("NOTIFY_CALLBACK_BEARER_TOKEN")) < 32:
        raise ImproperlyConfigured(
            "Malformed setting NOTIFY_CALLBACK_BEARER_TOKEN: use at least 32 random characters "
            "(the same value in Notify's callback settings)."
        )
    env_str("ATTEND_NOTIFY_SMS_TEMPLATES")  # required; its templates are checked when the reminders app loads
# --- Issue 8: health checks -------------------------------------------------------------------
# docker-compose and load balancers poll /healthz over plain HTTP inside the network; it
# is not redirected to HTTPS (it carries no cookies and no patient data).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# --- Issue 19: staff sign-in -------------------------------------------------------------------
# Every password login that remains needs a TOTP code (accounts/sign_in.py).
from config.settings.base import ATTEND_PASSWORD_MFA  # noqa: E402

if not ATTEND_PASSWORD_MFA:
    raise ImproperlyConfigured(
        "Malformed setting ATTEND_PASSWORD_MFA: production requires a TOTP code for every password login."
    )
# --- Issue 20: the aggregate export and MESH ---------------------------------------------------
# The trust's ODS code goes into every aggregate file (blank: no export is made, and the command says so).
from config.settings.base import ATTEND_MESH_URL, ATTEND_TRUST_ODS_CODE  # noqa: E402

if ATTEND_TRUST_ODS_CODE and not re.fullmatch(r"[A-Z0-9]{3,5}", ATTEND_TRUST_ODS_CODE):
    raise ImproperlyConfigured("Malformed setting ATTEND_TRUST_ODS_CODE: the trust's ODS code, e.g. RAT.")
if ATTEND_MESH_URL and not ATTEND_TRUST_ODS_CODE:
    env_str("ATTEND_TRUST_ODS_CODE")  # required once files are sent: names the missing variable

if ATTEND_MESH_URL:
    if not ATTEND_MESH_URL.startswith("https://"):
        raise ImproperlyConfigured("Malformed setting ATTEND_MESH_URL: MESH is reached over https://.")
    for _name in ("ATTEND_MESH_CLIENT_CERT", "ATTEND_MESH_CLIENT_KEY"):
        env_str(_name)  # required: MESH authenticates the mailbox's TLS client certificate

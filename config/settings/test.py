"""Tests: fast hashing, in-process tasks unless a test starts a real worker."""

from config.env import env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS

# The synthetic trust and demo logins (never installed in production).
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "test-key-not-for-production")
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process even when REDIS_URL is set; the integration tests
# that need the real broker and worker switch this off for themselves.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Login lockout needs the request in authenticate(), which the test client's login()
# does not pass; tests/security/test_login_lockout.py switches it on for itself.
AXES_ENABLED = False
# The suite runs on the real clock (call lists are built "today"), so it observes no bank
# holidays unless a test sets a region; the bank-holiday tests do (tests/appointments/test_working_days.py).
ATTEND_BANK_HOLIDAY_REGION = "none"
# Password logins without a TOTP code, as the pages' tests sign in; tests/accounts/test_password_sign_in.py
# switches the code on for itself.
ATTEND_PASSWORD_MFA = False

"""Development and `make demo`: SQLite and in-process tasks unless the environment says otherwise."""

from config.env import env_list, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS

# The synthetic trust and demo logins (never installed in production).
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = True
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-development-key-not-for-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
WHITENOISE_USE_FINDERS = True
# The demo's logins are passwords without a TOTP code; production requires the code.
ATTEND_PASSWORD_MFA = False
# The demo is also a collaborative hub: seed_collaborative loads three synthetic member trusts' aggregates.
ATTEND_HUB_ENABLED = True

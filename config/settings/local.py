"""Development and `make demo`: SQLite and in-process tasks unless the environment says otherwise."""

from config.env import env_list, env_str
from config.settings.base import *  # noqa: F403

DEBUG = True
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-development-key-not-for-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
WHITENOISE_USE_FINDERS = True

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

from config.apps import warn_if_tasks_run_in_process  # noqa: E402  (needs the apps loaded)

warn_if_tasks_run_in_process()

import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("attend")


class AttendConfig(AppConfig):
    """Start-up checks that belong to the whole project rather than one app."""

    name = "config"
    label = "attend"
    verbose_name = "Attend"

    def ready(self) -> None:
        from config.logging import install_on_every_handler

        # Logging is configured by now; mask personal data on every handler (issue 8).
        install_on_every_handler()


def warn_if_tasks_run_in_process() -> None:
    """Say, once as the web app starts (config/wsgi.py, so runserver and gunicorn), that without
    a broker an upload's import or a reminder sweep runs inside the request. Management commands
    stay quiet: a command runs its own work in-process anyway, so the warning would tell its
    operator nothing, and the demo runs a dozen of them."""
    if settings.CELERY_BROKER_URL is None:
        logger.warning(
            "No broker configured (REDIS_URL is not set): background tasks run in-process "
            "as they are enqueued. This is the embedded default for the demo; production sets REDIS_URL."
        )

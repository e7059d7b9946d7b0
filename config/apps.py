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
        if settings.CELERY_BROKER_URL is None:
            logger.warning(
                "No broker configured (REDIS_URL is not set): background tasks run in-process "
                "as they are enqueued. This is the embedded default for the demo; production sets REDIS_URL."
            )

"""The Celery application. Configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("attend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # each app's tasks.py


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **kwargs: object) -> None:
    from config.beat import beat_schedule

    sender.conf.beat_schedule = beat_schedule()


# Workers set up their own log handlers; they mask personal data like the web's do.
from celery.signals import after_setup_logger, after_setup_task_logger  # noqa: E402

from config.logging import install_on_logger  # noqa: E402

after_setup_logger.connect(install_on_logger, weak=False)
after_setup_task_logger.connect(install_on_logger, weak=False)

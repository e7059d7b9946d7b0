"""How gunicorn serves Attend (the Dockerfile starts it with this file; gunicorn also reads
./gunicorn.conf.py by itself when started from the project folder).

The access log is on, to stdout, and written through config.logging.GunicornLogger, which
masks NHS numbers and phone numbers in request lines, URL-encoded ones included: an admin
search such as /admin/patients/patient/?q=999+013+3298 must not put the number in the log.
Any setting here can be overridden at start with GUNICORN_CMD_ARGS.
"""

import os

wsgi_app = "config.wsgi:application"
bind = "0.0.0.0:8000"  # inside the container; the TLS proxy in front is what the world reaches
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"
logger_class = "config.logging.GunicornLogger"

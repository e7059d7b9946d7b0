FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 curl && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 attend
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=attend:attend . .
# collectstatic needs settings that parse; these placeholders are never used at run time.
RUN DJANGO_SECRET_KEY=build-only-placeholder-key-that-is-long-enough-for-the-check-0123 \
    DJANGO_ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --no-input
USER attend
EXPOSE 8000
# Bind address, workers and the masked access log: gunicorn.conf.py.
CMD ["gunicorn", "--config", "gunicorn.conf.py"]

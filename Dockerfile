# One image for the web app, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (letters) renders through Pango/HarfBuzz, with fonts for every script families
# write in: the same list as `make run` and CI (scripts/system-packages.sh).
COPY scripts/system-packages.sh /tmp/system-packages.sh
RUN /tmp/system-packages.sh && rm -rf /var/lib/apt/lists/* /tmp/system-packages.sh

WORKDIR /app

# Dependencies first, so that code changes do not reinstall them. The project declares no
# packages of its own (the code runs from /app), so this installs just the dependencies.
COPY pyproject.toml README.md* ./
RUN pip install .

COPY . .

# Static files are baked into the image and served by WhiteNoise. The key is a placeholder:
# collectstatic needs settings to load, not a real secret.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

# Run as an unprivileged user; it owns only the media directory (uploaded / issued letters).
RUN useradd --system --create-home --uid 1000 app \
    && mkdir -p /app/media \
    && chown app:app /app/media
USER app

ENV MEDIA_ROOT=/app/media
EXPOSE 8000
CMD ["gunicorn", "attendance_mis.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

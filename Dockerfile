# One image for the web server, the Celery worker, beat and the migrate step.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARCHREVIEW_VAR_DIR=/var/lib/archreview \
    MEDIA_ROOT=/var/lib/archreview/media

# Pango (with HarfBuzz subsetting) is what WeasyPrint needs to lay out and embed text in PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /app archreview \
    && install -d -o archreview -g archreview /var/lib/archreview /var/lib/archreview/media
WORKDIR /app

COPY --chown=archreview:archreview . .
RUN pip install -e . \
    && SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build-only/unused \
       CELERY_BROKER_URL=redis://build-only:6379/0 \
       python manage.py collectstatic --noinput --verbosity 0

USER archreview
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import the URLconf and every view now: under `gunicorn --preload` (make run) the workers fork
# with it loaded, instead of each importing it on its first request.
get_resolver().url_patterns  # noqa: B018 - evaluated for its side effect

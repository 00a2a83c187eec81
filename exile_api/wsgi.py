"""WSGI entry point, as gunicorn serves it: ``gunicorn exile_api.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exile_api.settings")

application = get_wsgi_application()

"""WSGI entry point, as gunicorn serves it: ``gunicorn exile_api.wsgi``.

Django's handler, with the read cache's front and the express lane before it
(``exile_api.handler``): the plainest anonymous reads are answered before the rest of the
request handling.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exile_api.settings")
django.setup(set_prefix=False)  # as get_wsgi_application does; the handler sets the prefix

from exile_api.handler import Handler  # noqa: E402 (needs the apps loaded)

application = Handler()

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from resources.api.views import ProblemTypeView, SchemaView

urlpatterns = [
    path("api/v1/", include("resources.api.urls")),
    # The documents that problem details' `type` URIs name (resources.api.errors).
    path("api/problems/", ProblemTypeView.as_view(), name="problem-types"),
    # A type URI has no trailing slash; APPEND_SLASH redirects it here.
    path("api/problems/<slug:name>/", ProblemTypeView.as_view(), name="problem-type"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script, so the
    # Content-Security-Policy can forbid them.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="docs/redoc.html"),
        name="redoc",
    ),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "resources.api.errors.bad_request"
handler404 = "resources.api.errors.not_found"
handler500 = "resources.api.errors.server_error"

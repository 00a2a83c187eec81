from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    """The Exile Resources domain: countries, groups, sources, statistics, media, policies."""

    name = "resources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import schema  # noqa: F401  registers the OpenAPI field extensions

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from exile_api import read_cache


class ResourcesConfig(AppConfig):
    """The Exile Resources domain: countries, groups, sources, statistics, media, policies."""

    name = "resources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from exile_api import concurrency  # noqa: F401  frees costly-read slots per request

        from . import subscriptions  # noqa: F401  queues deliveries with each recorded change
        from .api import schema  # noqa: F401  registers the OpenAPI field extensions

        post_migrate.connect(invalidate_read_cache, sender=self)


def invalidate_read_cache(**kwargs):
    """After `migrate` (data migrations, and every deploy, which runs it), no anonymous read
    comes from the read cache as it was."""
    read_cache.invalidate()

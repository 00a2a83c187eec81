from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from ..choices import ApiKeyScope


class ApiKey(AbstractAPIKey):
    """An app's key, sent as ``Authorization: Api-Key <key>`` (or ``Bearer <key>``).

    Only a salted SHA-512 hash is stored (djangorestframework-api-key); the key itself is
    shown once, when it is created. A key acts for its owner and can never do more than the
    owner may; its scopes narrow that further (no ``write`` scope: read only).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="The user the key acts for; the key has at most this user's permissions.",
    )
    scopes = ArrayField(
        models.CharField(max_length=16, choices=ApiKeyScope.choices),
        default=list,
        blank=True,
        help_text="What the key may do beyond reading public records: write, read-drafts.",
    )

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

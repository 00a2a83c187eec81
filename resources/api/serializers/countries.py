"""Countries: the ISO 3166-1 list, read-only."""

from ...models import Country
from .base import TIMESTAMPS, RecordSerializer, SelfLinkField


class CountrySerializer(RecordSerializer):
    brief_fields = ("code", "name", "url")

    url = SelfLinkField()

    class Meta:
        model = Country
        fields = ["code", "alpha3", "name", "name_ru", "region", "url", *TIMESTAMPS]

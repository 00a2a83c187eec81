"""Search across every resource."""

from rest_framework import serializers


class SearchHitSerializer(serializers.Serializer):
    """One record that matches a search."""

    type = serializers.CharField(help_text="Kind of record, e.g. organization.")
    id = serializers.IntegerField(
        allow_null=True, help_text="Its id; null for a country, whose key is its code."
    )
    key = serializers.CharField(help_text="Its natural key: slug, or code for a country.")
    name = serializers.CharField(help_text="Its name or title.")
    snippet = serializers.CharField(
        help_text="Matching excerpt as HTML: stored text escaped, matches in <mark> tags."
    )
    url = serializers.URLField(help_text="API URL of the record.")
    rank = serializers.FloatField(help_text="Relevance; higher is better.")


class SearchResultsSerializer(serializers.Serializer):
    """Records of every type that match a search, best first."""

    query = serializers.CharField(help_text="The query as received.")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Number of matches per type."
    )
    results = SearchHitSerializer(many=True, help_text="Best matches first, all types mixed.")

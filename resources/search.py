"""Search: full-text (stemmed, prefix, English and Russian) plus typo-tolerant names.

Each searchable model has a stored ``search_vector`` over its own text (see
``models.base.search_vector``); each cited one also has a ``claims_vector`` of its citations'
claims, kept by PostgreSQL (migration 0017), so a record is also found by what its citations
say. Names and cities are matched with pg_trgm similarity as well, so
"Vilnus" finds Vilnius and "Kasparow" finds Kasparov.

A global search hit's ``name`` is the record's Russian name or title when Russian was asked
for (``Accept-Language: ru`` or ``?lang=ru``) and the record has one, English otherwise. Its
``snippet`` is HTML: all stored text in it is HTML-escaped (a record's ``<b>`` comes back as
``&lt;b&gt;``), and the only markup is our own ``<mark>``...``</mark>`` around the matches.
"""

import re
import secrets

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    F,
    Field,
    FloatField,
    Func,
    OuterRef,
    Q,
    Value,
    Window,
)
from django.db.models.expressions import Col
from django.db.models.functions import Greatest
from django.utils.html import escape
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from .api.routes import detail_url
from .models import (
    Citation,
    Country,
    NotableFigure,
    Organization,
)
from .models.base import CuratedModel
from .registry import RECORD_TYPES
from .registry import SPECS as RESOURCE_SPECS
from .visibility import published

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10


# model -> what its search covers (resources.registry)
SPECS = {model: spec.search for model, spec in RESOURCE_SPECS.items()}
TYPES = {RECORD_TYPES[model]: model for model in SPECS}  # hit type -> model


def query_words(text: str) -> list[str]:
    """The words of free text that a search looks for."""
    return re.findall(r"\w+", text)[:MAX_QUERY_WORDS]


def text_query(text):
    """A prefix query in English and Russian from free text, or None when it has no words.

    Only word characters reach to_tsquery, so no input can break its syntax.
    """
    words = query_words(text)
    if not words:
        return None
    raw = " & ".join(f"{word}:*" for word in words)
    return SearchQuery(raw, search_type="raw", config="english") | SearchQuery(
        raw, search_type="raw", config="russian"
    )


class StoredColumn(Expression):
    """A column of the queried table that the database keeps and the model does not declare
    (``claims_vector``: migration 0017 says why), read as the model's own fields are."""

    def __init__(self, column: str, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.column = column

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        target = self.output_field.clone()
        target.set_attributes_from_name(self.column)
        target.model = query.model
        # A Col of the query's own table: renamed with it when the query becomes a subquery.
        return Col(query.get_initial_alias(), target)


class AnyOf(Func):
    """``value = ANY(array)``: unlike ``IN (subquery)``, an index on ``value`` answers it, so
    it can be one arm of a BitmapOr."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def claims_vector() -> StoredColumn:
    """The lexemes of a cited record's citations' claims, kept by PostgreSQL (migration 0017)."""
    return StoredColumn("claims_vector", SearchVectorField())


def single_term(text: str) -> bool:
    """Whether each language's query of ``text`` is one lexeme (or none): one word that the
    text-search parser keeps whole (letters only, or ASCII letters and digits)."""
    words = query_words(text)
    return len(words) == 1 and bool(re.fullmatch(r"[^\W\d_]+|[A-Za-z0-9]+", words[0]))


def search(queryset, text):
    """``queryset`` narrowed to records matching ``text``, annotated with ``search_rank``.

    A record matches by its own text, by its citations' claims, by a name (or city) close to
    ``text`` and, for an organization, by a notable figure's name close to it. Each of these
    is answered by an index of the record's own table (the claims by ``claims_vector``, the
    notable figures by the primary key from an array read once), so PostgreSQL combines them
    in a BitmapOr and reads only the matching rows.
    """
    model = queryset.model
    spec = SPECS[model]
    query = text_query(text)
    if query is None:  # nothing searchable in it (only punctuation): no match
        return queryset.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
    matches = Q(search_vector=query)
    if spec.cited:
        by_claims = Q(SearchVectorExact(claims_vector(), query))
        if not single_term(text):
            # claims_vector is every claim's words together: with several words (or one the
            # parser splits) it also matches a record whose claims have them only between
            # them. One citation must have them all, as before; only these candidates ask.
            content_type = ContentType.objects.get_for_model(model)
            by_claims &= Q(
                Exists(
                    Citation.objects.filter(
                        content_type=content_type, object_id=OuterRef("pk"), search_vector=query
                    )
                )
            )
        matches |= by_claims
    for field in spec.fuzzy:
        matches |= Q(**{f"{field}__trigram_similar": text})
    if model is Organization:
        figures = NotableFigure.objects.filter(name__trigram_similar=text).values("organization_id")
        matches |= Q(AnyOf(F("pk"), ArraySubquery(figures.order_by())))
    rank = SearchRank(F("search_vector"), query)
    similarities = [TrigramSimilarity(field, text) for field in spec.fuzzy]
    if similarities:
        best = similarities[0] if len(similarities) == 1 else Greatest(*similarities)
        rank = rank + best
    return queryset.filter(matches).annotate(
        search_rank=rank * Value(1.0, output_field=FloatField())
    )


def hit_name(record, spec, language):
    """The record's name or title: the Russian one when Russian is asked for and it has one."""
    if language == "ru":
        russian = getattr(record, f"{spec.label}_ru", "")
        if russian:
            return russian
    return getattr(record, spec.label)


def highlighted(headline, start, stop):
    """``headline`` (ts_headline output with ``start``/``stop`` around the matches) as safe
    HTML: everything HTML-escaped, then the selectors turned into ``<mark>``/``</mark>``.

    The selectors are random per request and contain nothing ``escape`` changes, so stored
    text can neither forge a ``<mark>`` nor bring markup of its own.
    """
    return escape(headline).replace(start, "<mark>").replace(stop, "</mark>")


def search_everything(text, *, types, limit, request, language):
    """Ranked hits across ``types`` (best first, at most ``limit``) and match counts per type.

    Two queries per type, whatever the amount of data. Names are in ``language`` where a
    record has them; snippets are escaped HTML with matches in ``<mark>`` tags (see the module
    docstring).
    """
    query = text_query(text)
    if query is None:
        return dict.fromkeys(types, 0), []
    token = secrets.token_hex(16)
    start, stop = f"[[mark-{token}]]", f"[[/mark-{token}]]"
    counts, hits = {}, []
    for type_name in types:
        model = TYPES[type_name]
        spec = SPECS[model]
        records = model.objects.all()
        if issubclass(model, CuratedModel):
            records = published(records)  # what answers questions; never drafts
        # Step one ranks the matches and counts them (a window over the same rows) reading
        # only ids, vectors and names; step two reads the few best records whole, with their
        # snippets. Whole rows of every match (and a headline each) are never built.
        ranked = list(
            search(records, text)
            .annotate(matched=Window(Count("*")))
            .order_by("-search_rank", "pk")
            .values_list("pk", "search_rank", "matched")[:limit]
        )
        counts[type_name] = ranked[0][2] if ranked else 0
        ranks = {pk: rank for pk, rank, _ in ranked}
        best = sorted(
            model.objects.filter(pk__in=ranks).annotate(
                snippet=SearchHeadline(
                    spec.snippet,
                    query,
                    config="english",
                    start_sel=start,
                    stop_sel=stop,
                    max_words=30,
                    min_words=10,
                )
            ),
            key=lambda record: (-ranks[record.pk], record.pk),
        )
        hits += [
            {
                "type": type_name,
                "id": None if isinstance(record, Country) else record.pk,
                "key": getattr(record, "slug", None) or record.pk,
                "name": hit_name(record, spec, language),
                "snippet": highlighted(record.snippet, start, stop),
                "url": detail_url(record, request),
                "rank": round(ranks[record.pk], 6),
            }
            for record in best
        ]
    hits.sort(key=lambda hit: -hit["rank"])
    return counts, hits[:limit]


def validated_query_text(request, param="q"):
    text = request.query_params.get(param, "").strip()
    if "\x00" in text:
        raise ValidationError({param: ["Null characters are not allowed."]})
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationError({param: [f"At most {MAX_QUERY_LENGTH} characters."]})
    return text


class FullTextSearchFilter(BaseFilterBackend):
    """``?q=`` on every list: ranked full-text and typo-tolerant search.

    Results come best match first unless ``ordering`` is given.
    """

    param = "q"

    def filter_queryset(self, request, queryset, view):
        text = validated_query_text(request, self.param)
        if not text or queryset.model not in SPECS:
            return queryset
        results = search(queryset, text)
        if "ordering" not in request.query_params:
            results = results.order_by("-search_rank", "pk")
        return results

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": (
                    "Search names, descriptions, summaries, cities, notes and citation claims, "
                    "in English and Russian: word forms ('organizations' finds "
                    "'organization'), prefixes ('Vil' finds Vilnius) and misspelt names "
                    "('Vilnus', 'Kasparow'). Best matches first unless `ordering` is given."
                ),
                "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                "example": "Vilnius",
            }
        ]

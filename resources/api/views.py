"""One ViewSet per resource. Their docstrings are the public API documentation."""

import threading
from collections.abc import Collection
from datetime import date
from typing import Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import connection
from django.db.models import Count, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.utils import DatabaseError
from django.http import HttpResponseBase
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from .. import querysets
from ..choices import HealthState
from ..models import (
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Source,
    Statistic,
)
from ..profiles import cited_sources, complete_list_urls
from ..registry import citable_querysets
from ..reported import beyond_sources_notice, newest_source_reported
from ..search import TYPES, search_everything, validated_query_text
from ..summaries import DEFAULT_GROUP_BY, GROUPINGS, summarize_statistics
from ..visibility import readable_citations
from . import filters
from .base import CuratedViewSet, ResourceViewSet
from .errors import PROBLEM_TYPE_PREFIX, PROBLEM_TYPES, UNAVAILABLE_HEADERS
from .params import (
    choice_list_param,
    date_param,
    language_param,
    whole_number_param,
)
from .schema import LANGUAGE_PARAMETER, crud_docs, lookup_parameter
from .serializers import (
    CountryProfileSerializer,
    CountrySerializer,
    ExileGroupSerializer,
    HealthSerializer,
    HostPolicySerializer,
    MediaOutletSerializer,
    OrganizationSerializer,
    SearchResultsSerializer,
    SourceDetailSerializer,
    SourceSerializer,
    StatisticFigureSerializer,
    StatisticSerializer,
    StatisticsSummarySerializer,
)
from .sql_json import briefs_by_key, page_json, profile_json

MAX_SEARCH_HITS = 100
SUMMARY_NOTE = (
    "Each group holds figures of one metric, unit and measure, all historical or all recent, as "
    "different sources reported "
    "them for possibly overlapping periods. They are never added up: 'reports' counts "
    "figures, not people; 'latest', 'lowest' and 'highest' are single reported figures, each "
    "with its qualifier, period and citations."
)

STATISTIC_EXAMPLE = OpenApiExample(
    "A figure with its citation",
    request_only=True,
    value={
        "slug": "georgia-arrivals-first-two-weeks-2022",
        "destination": "GE",
        "metric": "arrivals",
        "value": 25000,
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "counting_method": "unspecified",
        "period_start": "2022-02-24",
        "period_end": "2022-03-10",
        "citations": [
            {
                "source": "soldatov-borogan-2022-essay",
                "locator": "para 1",
                "claim": "Georgia received 25,000 Russians in the war's first two weeks.",
            }
        ],
    },
)


@crud_docs(
    "country",
    "countries",
    read_only=True,
    lookup=lookup_parameter("code", "ISO 3166-1 alpha-2 code, in any case, e.g. AM."),
)
class CountryViewSet(ResourceViewSet[Country]):
    """ISO 3166-1 countries, with the continent GeoNames assigns them.

    Look a country up by its alpha-2 code, in any case: `/api/v1/countries/am/`.
    The list is loaded from pycountry and cannot be edited through the API.
    """

    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    filterset_class = filters.CountryFilterSet
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"
    ordering_fields = ["code", "name", "region"]
    costly_actions = frozenset({"profile"})
    # Actions that answer a question about a date (resources.api.schema documents the headers).
    dated_actions = frozenset({"profile"})

    def get_object(self) -> Country:
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()

    @extend_schema(
        summary="Country profile: what an exile needs to know about a country",
        parameters=[
            lookup_parameter("code", "ISO 3166-1 alpha-2 code, in any case, e.g. LT."),
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description=(
                    "Give the policies in force on this date (default: today). A date later "
                    "than the newest source is answered as the sources reported it, with "
                    "`Reported-As-Of-Notice` saying so."
                ),
            ),
            LANGUAGE_PARAMETER,
        ],
        responses=CountryProfileSerializer,
    )
    @action(detail=True, methods=["get"])
    def profile(self, request: Request, code: str | None = None) -> Response:
        """Policies in force (on `as_of`, default today), historical policies, media outlets
        and organizations based in the country, the statistics with it as destination (latest
        first), and every source behind the records shown.

        Each list is capped: it holds its first records only (the outlets and organizations
        by name, the policies by title). `totals` gives how many published records each list
        has in all, and `complete_lists` the URL of each whole list: the resource's own list,
        paginated, filtered to exactly those records (the policies in force on the same
        `as_of`)."""
        country = self.get_object()
        as_of = date_param(request, "as_of") or timezone.localdate()
        # Each list's first records, built by PostgreSQL as their own endpoints show them,
        # and its total: one query (CountryProfileSerializer describes the whole).
        shown, totals = profile_json(
            country=country.code, as_of=as_of, request=request, language=self.language
        )
        context = self.get_serializer_context()
        response = Response(
            {
                "country": CountrySerializer(country, context=context).data,
                "as_of": as_of.isoformat(),
                **shown,
                "sources": cited_sources(shown.values()),
                "totals": totals,
                "complete_lists": complete_list_urls(
                    country=country.code, as_of=as_of, request=request
                ),
            }
        )
        say_how_old(response, as_of)
        return response


@crud_docs(
    "exile group",
    "exile groups",
    lookup=lookup_parameter("slug", "The group's slug, e.g. it-specialists."),
)
class ExileGroupViewSet(CuratedViewSet[ExileGroup]):
    """The groups of exiles the sources distinguish: IT specialists; journalists, activists and
    NGO staff; the liberal intelligentsia; businesspeople and managers. Each with citations."""

    queryset = querysets.exile_groups()
    serializer_class = ExileGroupSerializer
    filterset_class = filters.ExileGroupFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "slug", "created_at", "updated_at"]


@crud_docs("source", "sources")
class SourceViewSet(CuratedViewSet[Source]):
    """The works the dataset cites. A source's detail lists every citation of it (`cited_by`):
    which record, where in the source, and the claim. A cited source cannot be deleted (409)."""

    serializer_class = SourceSerializer
    filterset_class = filters.SourceFilterSet
    ordering_fields = ["title", "year", "published_on", "created_at", "updated_at"]

    queryset = Source.objects.all()

    def get_queryset(self) -> QuerySet[Source]:
        # Only the citations the client may read: a draft's would tell of unpublished work.
        # A subquery, not a GROUP BY: the row lock of writes (FOR UPDATE) refuses GROUP BY.
        citations = (
            Citation.objects.filter(readable_citations(self.request), source=OuterRef("pk"))
            .order_by()
            .values("source")
            .annotate(count=Count("*"))
            .values("count")
        )
        queryset = super().get_queryset().annotate(citation_count=Coalesce(Subquery(citations), 0))
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "citations",
                    queryset=Citation.objects.filter(readable_citations(self.request))
                    .select_related("content_type")
                    .prefetch_related(GenericPrefetch("record", citable_querysets())),
                )
            )
        return queryset

    def perform_create(self, serializer: BaseSerializer[Source]) -> None:
        super().perform_create(serializer)
        # New: nothing cites it yet. (An annotation of get_queryset's, not a model field: the
        # type checker knows neither it nor that save() has set the instance.)
        serializer.instance.citation_count = 0  # type: ignore[union-attr]

    def get_serializer_class(self) -> type[BaseSerializer[Source]]:
        if self.action == "retrieve":
            return SourceDetailSerializer
        return super().get_serializer_class()


@crud_docs("statistic", "statistics", examples=[STATISTIC_EXAMPLE])
class StatisticViewSet(CuratedViewSet[Statistic]):
    """Emigration statistics: one record per figure as one source reports it.

    Figures are never merged or added up: two sources reporting the same quantity are two
    records. Read `measure` (flow over the period, stock at its end, cumulative since its start,
    rate, share) and `qualifier` ("at least", "about", ...) before comparing numbers.
    An empty `destination` means "abroad, all destinations".
    """

    queryset = querysets.statistics()
    serializer_class = StatisticSerializer
    filterset_class = filters.StatisticFilterSet
    ordering_fields = ["value", "period_start", "period_end", "created_at", "updated_at"]
    costly_actions = frozenset({"summary"})

    @extend_schema(
        summary="Reported figures grouped and compared, never added up",
        filters=True,
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                description=(
                    "Comma-separated: destination, exile_group, origin, metric (default "
                    "destination). Metric, unit, measure and historical/recent always separate "
                    "groups."
                ),
            ),
            LANGUAGE_PARAMETER,
        ],
        responses=StatisticsSummarySerializer,
    )
    @action(detail=False, methods=["get"])
    def summary(self, request: Request) -> Response:
        """For each group of the (filtered) statistics: how many figures were reported and by
        how many sources, the most recent figure, and the lowest and highest figures, each
        with its period and citations. Figures are never summed: see `note`."""
        self.refuse_unknown_parameters(request, allowed={"q", "group_by", "lang"})
        group_by = choice_list_param(request, "group_by", GROUPINGS, DEFAULT_GROUP_BY)
        # A bad filter is a 400 here; the filterset tells whether the maintained groups answer.
        queryset, filterset = self.filter_with_filterset(self.get_queryset())
        groups = summarize_statistics(
            queryset,
            group_by=group_by,
            filterset=filterset,
            searched=bool(validated_query_text(request, "q")),
            figures=self.figures_built_in_database,
            related=self.briefs_built_in_database,
        )
        data = {"group_by": group_by, "note": SUMMARY_NOTE, "groups": groups}
        context = {**self.get_serializer_context(), "group_by": group_by}
        return Response(StatisticsSummarySerializer(data, context=context).data)

    def figures_built_in_database(self, ids: Collection[int]) -> dict[int, Any]:
        """The summary's figures by id, their JSON built by PostgreSQL with the fields of
        ``StatisticFigureSerializer`` (which shows them as they are)."""
        fields = tuple(StatisticFigureSerializer.Meta.fields)
        documents = page_json(Statistic, list(ids), self.request, self.language, fields)
        return {document["id"]: document for document in documents}

    def briefs_built_in_database(self, model: type[Model], keys: Collection[Any]) -> dict[Any, Any]:
        """The summary groups' related records (destination, exile group, origin) by key, in
        the brief form their serializers show, built by PostgreSQL."""
        return briefs_by_key(model, keys, self.request, self.language)


@crud_docs(
    "media outlet",
    "media outlets",
    lookup=lookup_parameter("slug", "The outlet's slug, e.g. radio-liberty."),
)
class MediaOutletViewSet(CuratedViewSet[MediaOutlet]):
    """Exile media outlets, and kinds of channel exiles publish on, with their platforms
    (channels), reported audiences, where they were based over time, and citations."""

    queryset = querysets.media_outlets()
    serializer_class = MediaOutletSerializer
    filterset_class = filters.MediaOutletFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "active_from_year", "created_at", "updated_at"]


@crud_docs(
    "organization",
    "organizations",
    lookup=lookup_parameter("slug", "The organization's slug, e.g. free-russia-forum."),
)
class OrganizationViewSet(CuratedViewSet[Organization]):
    """NGOs and exile organizations, universities in exile, funders, government committees and
    research institutes: where they are based, who leads them, whom they serve."""

    queryset = querysets.organizations()
    serializer_class = OrganizationSerializer
    filterset_class = filters.OrganizationFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "founded_year", "created_at", "updated_at"]


@crud_docs("host policy", "host policies")
class HostPolicyViewSet(CuratedViewSet[HostPolicy]):
    """Host-country policies and stances towards exiles from Russia: entry and visas,
    residence, company registration, banking, asylum, hosting NGOs and media, and more.

    `effective_to` empty means still in force, or not known; `is_historical` marks the
    policies of earlier eras (1920s, Cold War).
    """

    queryset = querysets.policies()
    serializer_class = HostPolicySerializer
    filterset_class = filters.HostPolicyFilterSet
    ordering_fields = ["title", "announced_on", "effective_from", "created_at", "updated_at"]
    # Actions that answer a question about a date (resources.api.schema documents the headers).
    dated_actions = frozenset({"list"})

    # A CSV export answers with a StreamingHttpResponse (see ResourceViewSet.list).
    def list(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().list(request, *args, **kwargs)
        params = request.query_params
        if response.status_code == 200 and ("in_force_on" in params or "current" in params):
            # Both were validated by the filterset: a malformed date is a 400 before this.
            asked = params.get("in_force_on")
            say_how_old(response, date.fromisoformat(asked) if asked else None)
        return response


def say_how_old(response: HttpResponseBase, asked: date | None) -> None:
    """The headers of an answer about a date: the newest source's date (``Reported-As-Of``)
    and, when ``asked`` is later than it can say, a notice that nothing since is known."""
    newest = newest_source_reported()
    if newest is not None:
        response["Reported-As-Of"] = newest
    notice = beyond_sources_notice(asked, newest) if asked else None
    if notice:
        response["Reported-As-Of-Notice"] = notice


class SearchView(APIView):
    """Search every resource at once: countries, exile groups, sources, statistics, media
    outlets, organizations and policies. Same matching as `q=` on each list (word forms,
    prefixes, misspelt names, English and Russian); hits of all types ranked together."""

    permission_classes = [permissions.AllowAny]

    def is_costly_read(self, request: Request) -> bool:
        """Every search is a costly read: it ranks matches in every table."""
        return True

    @extend_schema(
        summary="Search across all resources",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=True,
                description="What to look for.",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                description=f"Comma-separated types to search (default all): {', '.join(TYPES)}.",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Most hits to return (default 20, at most {MAX_SEARCH_HITS}).",
            ),
            LANGUAGE_PARAMETER,
        ],
        responses=SearchResultsSerializer,
    )
    def get(self, request: Request) -> Response:
        language = language_param(request)
        translation.activate(language)  # Django's and DRF's own messages follow it too
        text = validated_query_text(request)
        if not text:
            raise ValidationError({"q": ["This parameter is required."]})
        types = choice_list_param(request, "type", list(TYPES), TYPES)
        limit = whole_number_param(request, "limit", default=20, minimum=1, maximum=MAX_SEARCH_HITS)
        counts, hits = search_everything(
            text, types=types, limit=limit, request=request, language=language
        )
        data = {"query": text, "counts": counts, "results": hits}
        return Response(SearchResultsSerializer(data).data)


class SchemaView(SpectacularAPIView):
    """The OpenAPI description, generated by one thread of the process at a time.

    drf-spectacular loads its extensions' target classes on first use, and two threads
    doing so at once can fail (an optional extension's class is set to None while the other
    thread reads it: drf-spectacular issue 1122), which answered a 500 under gunicorn's
    threads. The description is the same for every client, so waiting costs nothing more
    than generating it."""

    generating = threading.Lock()

    def _get_schema_response(self, request: Request) -> Response:
        with self.generating:
            return super()._get_schema_response(request)


class ProblemTypeView(APIView):
    """What one kind of problem means: the document each problem's ``type`` URI names (or,
    without a name, every kind). Outside /api/v1/ and the OpenAPI paths: the description
    lists the same kinds under each operation's error responses."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    schema = None

    def get(self, request: Request, name: str | None = None) -> Response:
        names = [name] if name else list(PROBLEM_TYPES)
        if name not in (None, *PROBLEM_TYPES):
            raise NotFound("No such kind of problem.")
        documents = [
            {
                "type": PROBLEM_TYPE_PREFIX + each,
                "title": PROBLEM_TYPES[each][1],
                "status": PROBLEM_TYPES[each][0],
                "description": PROBLEM_TYPES[each][2],
            }
            for each in names
        ]
        return Response(documents[0] if name else documents)


@method_decorator(never_cache, name="get")
class HealthView(APIView):
    """Liveness and database readiness, for load balancers and monitors (never cached)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []  # monitors poll it; it reads nothing but SELECT 1
    conditional = False  # never cached, so never a 304 (resources.api.schema reads this)

    @extend_schema(
        summary="Liveness and database readiness",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = HealthState.OK
        except DatabaseError:
            database = HealthState.UNAVAILABLE
        if database == HealthState.OK:
            return Response({"status": database, "database": database})
        # Its own body (monitors read what is down), with the Retry-After of every 503.
        return Response(
            {"status": database, "database": database}, status=503, headers=UNAVAILABLE_HEADERS
        )

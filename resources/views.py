"""One ViewSet per resource. Their docstrings are the public API documentation."""

from django.conf import settings
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import connection
from django.db.models import Count, Prefetch
from django.db.utils import DatabaseError
from django.utils import translation
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import filters
from .choices import HealthState
from .models import (
    AudienceFigure,
    Channel,
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Source,
    Statistic,
)
from .routes import citable_querysets
from .schema import crud_docs, lookup_parameter
from .serializers import (
    CountrySerializer,
    ExileGroupSerializer,
    HealthSerializer,
    HostPolicySerializer,
    MediaOutletSerializer,
    OrganizationSerializer,
    SourceDetailSerializer,
    SourceSerializer,
    StatisticSerializer,
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


def with_citations(queryset):
    """``queryset`` with its citations and their sources fetched in two queries."""
    return queryset.prefetch_related(
        Prefetch("citations", queryset=Citation.objects.select_related("source"))
    )


def locations_prefetch():
    return Prefetch(
        "locations", queryset=with_citations(Location.objects.select_related("country"))
    )


class ResourceViewSetMixin:
    """What every resource's views share: the response language, chosen by ``?lang=``
    (over the Accept-Language header, which LocaleMiddleware reads)."""

    def initial(self, request, *args, **kwargs):
        language = request.query_params.get("lang")
        if language is not None:
            if language not in dict(settings.LANGUAGES):
                choices = ", ".join(dict(settings.LANGUAGES))
                raise ValidationError({"lang": [f"Unknown language; choose from {choices}."]})
            translation.activate(language)
            request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)


@crud_docs(
    "country",
    "countries",
    read_only=True,
    lookup=lookup_parameter("code", "ISO 3166-1 alpha-2 code, in any case, e.g. AM."),
)
class CountryViewSet(ResourceViewSetMixin, viewsets.ReadOnlyModelViewSet):
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

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()


@crud_docs(
    "exile group",
    "exile groups",
    lookup=lookup_parameter("slug", "The group's slug, e.g. it-specialists."),
)
class ExileGroupViewSet(ResourceViewSetMixin, viewsets.ModelViewSet):
    """The groups of exiles the sources distinguish: IT specialists; journalists, activists and
    NGO staff; the liberal intelligentsia; businesspeople and managers. Each with citations."""

    queryset = with_citations(ExileGroup.objects.all())
    serializer_class = ExileGroupSerializer
    filterset_class = filters.ExileGroupFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "slug", "created_at", "updated_at"]


@crud_docs("source", "sources")
class SourceViewSet(ResourceViewSetMixin, viewsets.ModelViewSet):
    """The works the dataset cites. A source's detail lists every citation of it (`cited_by`):
    which record, where in the source, and the claim. A cited source cannot be deleted (409)."""

    serializer_class = SourceSerializer
    filterset_class = filters.SourceFilterSet
    ordering_fields = ["title", "year", "published_on", "created_at", "updated_at"]

    def get_queryset(self):
        # An aggregate drops Meta.ordering (GROUP BY queries), so order explicitly.
        queryset = Source.objects.annotate(citation_count=Count("citations")).order_by(
            "title", "id"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "citations",
                    queryset=Citation.objects.select_related("content_type").prefetch_related(
                        GenericPrefetch("record", citable_querysets())
                    ),
                )
            )
        return queryset

    def get_serializer_class(self):
        return SourceDetailSerializer if self.action == "retrieve" else SourceSerializer


@crud_docs("statistic", "statistics", examples=[STATISTIC_EXAMPLE])
class StatisticViewSet(ResourceViewSetMixin, viewsets.ModelViewSet):
    """Emigration statistics: one record per figure as one source reports it.

    Figures are never merged or added up: two sources reporting the same quantity are two
    records. Read `measure` (flow over the period, stock at its end, cumulative since its start,
    rate, share) and `qualifier` ("at least", "about", ...) before comparing numbers.
    An empty `destination` means "abroad, all destinations".
    """

    queryset = with_citations(
        Statistic.objects.select_related("origin", "destination", "exile_group")
    )
    serializer_class = StatisticSerializer
    filterset_class = filters.StatisticFilterSet
    ordering_fields = ["value", "period_start", "period_end", "created_at", "updated_at"]


@crud_docs(
    "media outlet",
    "media outlets",
    lookup=lookup_parameter("slug", "The outlet's slug, e.g. radio-liberty."),
)
class MediaOutletViewSet(ResourceViewSetMixin, viewsets.ModelViewSet):
    """Exile media outlets, and kinds of channel exiles publish on, with their platforms
    (channels), reported audiences, where they were based over time, and citations."""

    queryset = with_citations(
        MediaOutlet.objects.select_related("country", "affiliated_organization")
    ).prefetch_related(
        Prefetch(
            "channels",
            queryset=with_citations(Channel.objects.all()).prefetch_related(
                Prefetch("audience_figures", queryset=with_citations(AudienceFigure.objects.all()))
            ),
        ),
        locations_prefetch(),
    )
    serializer_class = MediaOutletSerializer
    filterset_class = filters.MediaOutletFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "active_from_year", "created_at", "updated_at"]


@crud_docs(
    "organization",
    "organizations",
    lookup=lookup_parameter("slug", "The organization's slug, e.g. free-russia-forum."),
)
class OrganizationViewSet(ResourceViewSetMixin, viewsets.ModelViewSet):
    """NGOs and exile organizations, universities in exile, funders, government committees and
    research institutes: where they are based, who leads them, whom they serve."""

    queryset = with_citations(Organization.objects.select_related("country")).prefetch_related(
        "exile_groups",
        "media_outlets",
        Prefetch("notable_figures", queryset=with_citations(NotableFigure.objects.all())),
        locations_prefetch(),
    )
    serializer_class = OrganizationSerializer
    filterset_class = filters.OrganizationFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "founded_year", "created_at", "updated_at"]


@crud_docs("host policy", "host policies")
class HostPolicyViewSet(ResourceViewSetMixin, viewsets.ModelViewSet):
    """Host-country policies and stances towards exiles from Russia: entry and visas,
    residence, company registration, banking, asylum, hosting NGOs and media, and more.

    `effective_to` empty means still in force, or not known; `is_historical` marks the
    policies of earlier eras (1920s, Cold War).
    """

    queryset = with_citations(HostPolicy.objects.select_related("country")).prefetch_related(
        "exile_groups", "nationalities"
    )
    serializer_class = HostPolicySerializer
    filterset_class = filters.HostPolicyFilterSet
    ordering_fields = ["title", "announced_on", "effective_from", "created_at", "updated_at"]


class HealthView(APIView):
    """Liveness and database readiness, for load balancers and monitors."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Liveness and database readiness",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = HealthState.OK
        except DatabaseError:
            database = HealthState.UNAVAILABLE
        status_code = 200 if database == HealthState.OK else 503
        return Response({"status": database, "database": database}, status=status_code)

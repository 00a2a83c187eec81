"""One ViewSet per resource. Their docstrings are the public API documentation."""

import orjson
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.utils import DatabaseError
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import querysets
from ..choices import ChangeAction, ChangeChannel, HealthState
from ..editorial import services
from ..editorial.errors import EditorialError
from ..editorial.history import PUBLIC_CHANGES, public_view, visible_changes
from ..editorial.workflow import check_editable
from ..models import Change, Citation, Country, Source
from ..profiles import country_profile
from ..registry import CURATED_MODELS, RECORD_TYPES, citable_querysets
from ..search import TYPES, search_everything, validated_query_text
from ..summaries import DEFAULT_GROUP_BY, GROUPINGS, summarize_statistics
from ..visibility import readable_citations, reads_drafts, visible
from . import filters
from .conditional import ConditionalRequestsMixin
from .errors import PROBLEM_TYPE_PREFIX, PROBLEM_TYPES, UNAVAILABLE_HEADERS, editorial_problem
from .exports import CSVExportMixin, CSVRenderer
from .pagination import large_page
from .params import (
    choice_list_param,
    date_param,
    flag_param,
    refuse_unknown,
    whole_number_param,
)
from .routes import DETAIL_ROUTES, record_url
from .schema import LANGUAGE_PARAMETER, PAGE_PARAMETERS, crud_docs, lookup_parameter
from .serializers import (
    BRIEF_SERIALIZERS,
    ChangeHistorySerializer,
    ChangeSerializer,
    ChangesPageSerializer,
    CountryProfileSerializer,
    CountrySerializer,
    ExileGroupSerializer,
    HealthSerializer,
    HostPolicySerializer,
    MediaOutletSerializer,
    OrganizationSerializer,
    ReasonSerializer,
    SearchResultsSerializer,
    SourceDetailSerializer,
    SourceSerializer,
    StatisticSerializer,
    StatisticsSummarySerializer,
)
from .sql_json import record_json

MAX_SEARCH_HITS = 100
# A misspelt or unsupported query parameter: refused, never ignored.
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


class LanguageMixin:
    """The response language: ``?lang=`` over the Accept-Language header (which
    LocaleMiddleware reads); a 400 for a language the API does not serve."""

    def initial(self, request, *args, **kwargs):
        language = request.query_params.get("lang")
        if language is not None:
            if language not in dict(settings.LANGUAGES):
                choices = ", ".join(dict(settings.LANGUAGES))
                raise ValidationError({"lang": [f"Unknown language; choose from {choices}."]})
            translation.activate(language)
            request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)


class EditorialMixin:
    """The editorial workflow over a curated resource's viewset.

    Reads show what ``resources.visibility`` lets the client see (a draft is a 404 to others).
    Writes create drafts and are kept in the record's history; editing a published record
    takes a reviewer, a retracted one cannot be edited (409). DELETE retracts. Actions move
    records on (``resources.editorial.workflow``); ``history/`` lists a record's changes.
    """

    def get_queryset(self):
        return visible(super().get_queryset(), self.request)

    def get_object(self):
        record = super().get_object()
        # By method, not action: OPTIONS describes a PUT by replaying it (DRF's metadata),
        # and should offer it only to those who may make it.
        if self.request.method in ("PUT", "PATCH"):
            try:
                check_editable(record, self.request.user)
            except EditorialError as exc:
                # As DRF's own exception: its OPTIONS metadata leaves out the methods whose
                # replay raises one, and must not fail on ours.
                raise editorial_problem(exc) from exc
        return record

    def perform_create(self, serializer):
        self.save_record(serializer, ChangeAction.CREATED)

    def perform_update(self, serializer):
        self.save_record(serializer, ChangeAction.UPDATED)

    def save_record(self, serializer, action_name):
        services.save(
            write=serializer.save,
            action=action_name,
            user=self.request.user,
            channel=ChangeChannel.API,
        )

    def destroy(self, request, *args, **kwargs):
        """DELETE retracts: the record stays public, marked retracted with reason and date.
        The reason comes in the body, as the description says (``?reason=`` is refused, with
        any other query parameter: a reason left in the URL would be lost without a word)."""
        refuse_unknown(request, {"format", "lang"})
        return self.move("retract", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, **kwargs):
        """Submit a draft for review (editors). Answers with the record."""
        return self.move("submit", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request, **kwargs):
        """Send a record in review back to draft (editors), with an optional reason."""
        return self.move("return", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, **kwargs):
        """Publish a record in review (reviewers). Send If-Match with the ETag of the version
        you reviewed: if it changed since, nothing is published (412)."""
        return self.move("publish", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def retract(self, request, **kwargs):
        """Retract a published record (reviewers), with a reason: it stays public, marked
        retracted, and the changes feed tells mirrors to withdraw it."""
        return self.move("retract", self.reason_from_body())

    def move(self, transition_name, reason):
        record = self.get_object()
        services.transition(
            record=record,
            name=transition_name,
            user=self.request.user,
            channel=ChangeChannel.API,
            reason=reason,
        )
        return Response(self.get_serializer(record).data)

    def reason_from_body(self):
        data = self.request.data
        if not isinstance(data, dict):  # JSON null, a list, a string: not the object asked for
            raise ValidationError(
                {"non_field_errors": [ErrorDetail("Send a JSON object, or no body.", "invalid")]}
            )
        serializer = ReasonSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data.get("reason", "")

    @extend_schema(parameters=PAGE_PARAMETERS, responses=ChangeHistorySerializer)
    @action(detail=True, methods=["get"])
    def history(self, request, **kwargs):
        """Every change to the record, oldest first: who (editors only), when, through what,
        what changed (old and new values) and the record after it. Readers of published
        records see its public life: from its publication on."""
        refuse_unknown(request, {"limit", "offset", "lang", "format"})
        record = self.get_object()
        model = type(record)
        changes = Change.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=record.pk
        ).select_related("content_type")
        drafts = reads_drafts(request, model)
        changes = visible_changes(changes, reads_drafts=drafts).order_by("id")
        page = self.paginate_queryset(changes)
        data = [change_data(change, request, reads_drafts=drafts) for change in page]
        return self.get_paginated_response(ChangeSerializer(data, many=True).data)


def change_data(change, request, *, reads_drafts):
    """One change as ``ChangeSerializer`` shows it to this reader."""
    model = change.content_type.model_class()
    _basename, lookup = DETAIL_ROUTES[model]
    key = change.record_key if lookup == "slug" else change.object_id
    gone = change.snapshot is None
    return {
        "id": change.pk,
        "at": change.at,
        "type": RECORD_TYPES[model],
        "record_id": change.object_id,
        "record_key": change.record_key,
        "url": None if gone else record_url(model, key, request),
        "action": change.action,
        "channel": change.channel,
        "reason": change.reason,
        "publication_status": change.publication_status,
        **public_view(change, reads_drafts=reads_drafts),
    }


class JSONBuiltInDatabaseMixin:
    """The list and detail answered with each record's JSON as PostgreSQL builds it
    (``resources.api.sql_json``): two queries for a page (its ids, then their JSON), one for a
    record, no model instance per record. Only where it equals the serializer's answer:
    JSON with every field (no ``fields=``, ``omit=`` or ``brief=``); anything else goes to
    the serializer.

    Goes last among a viewset's mixins, just before the DRF viewset: it stands in for DRF's
    own list and retrieve, under the language, conditional-request and CSV mixins.
    """

    def builds_json_in_database(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        return (
            renderer is not None
            and renderer.format == "json"
            and self.request.method in ("GET", "HEAD")
            and not {"fields", "omit", "brief"} & set(self.request.query_params)
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve" and self.builds_json_in_database():
            # The record's version (for ETag and Last-Modified) and its JSON, in one query.
            queryset = (
                queryset.select_related(None)
                .prefetch_related(None)
                .only("pk", "updated_at")
                .annotate(document=record_json(queryset.model, self.request))
            )
        return queryset

    def list(self, request, *args, **kwargs):
        if not self.builds_json_in_database():
            return super().list(request, *args, **kwargs)
        # The page's ids first, from the filters' index alone; then the JSON of those
        # records only (joining every match to build JSON, then sorting, costs far more).
        ids = self.paginate_queryset(self.listed.values_list("pk", flat=True))
        documents = dict(
            self.listed.model.objects.filter(pk__in=ids)
            .annotate(document=record_json(self.listed.model, request))
            .values_list("pk", "document")
        )
        # A record hard-deleted between the two queries is left out of the page.
        page = [orjson.loads(documents[pk]) for pk in ids if pk in documents]
        return self.get_paginated_response(page)

    def retrieve(self, request, *args, **kwargs):
        if not self.builds_json_in_database():
            return super().retrieve(request, *args, **kwargs)
        return Response(orjson.loads(self.get_object().document))


class ResourceViewSetMixin(ConditionalRequestsMixin, CSVExportMixin, LanguageMixin):
    """What every resource's viewset shares: the response language, conditional requests
    (Last-Modified, ETags, If-Match), CSV exports
    (``?format=csv``) and the shape of read responses (``brief=true`` for the brief form,
    ``fields=``/``omit=`` to pick fields)."""

    # Query parameters every list takes besides its filters.
    LIST_PARAMETERS = {"q", "ordering", "limit", "offset", "fields", "omit", "brief", "lang"}
    # Actions whose every read is costly (resources.api.throttling).
    costly_actions = frozenset()

    def is_costly_read(self, request):
        """Costly: the costly actions, a page of more than LARGE_PAGE records, and a list
        searched with ``q`` or exported as CSV (every matching record)."""
        if self.action in self.costly_actions or large_page(request):
            return True
        exported = isinstance(getattr(request, "accepted_renderer", None), CSVRenderer)
        return self.action == "list" and (exported or bool(request.query_params.get("q")))

    def filter_queryset(self, queryset):
        # A record is found by its key alone: list filters in the query string of a detail,
        # a write or the country profile must not turn it into a 404.
        return queryset if self.detail else super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        self.refuse_unknown_parameters(request)
        return super().list(request, *args, **kwargs)

    def refuse_unknown_parameters(self, request, allowed=None):
        """A misspelt filter (destinaton=GE) is a 400, not a list of everything. ``allowed``:
        the parameters taken besides the filters (default: those of every list)."""
        allowed = self.LIST_PARAMETERS if allowed is None else allowed
        refuse_unknown(request, {*allowed, "format", *self.filterset_class.base_filters})

    brief = None  # whether the brief form was asked for; None: read it from the request

    def get_serializer_class(self):
        brief = self.brief
        if brief is None:
            brief = self.action in ("list", "retrieve") and flag_param(self.request, "brief")
        if brief:
            return BRIEF_SERIALIZERS[self.get_queryset().model]
        return super().get_serializer_class()

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        reads = self.request.method in ("GET", "HEAD")
        keep, drop = (self._names("fields"), self._names("omit")) if reads else ((), ())
        if keep or drop:
            # brief, fields and omit each narrow the record: fields and omit name fields of
            # the full form, and one the brief form lacks is simply not there.
            brief = self.action in ("list", "retrieve") and flag_param(self.request, "brief")
            model = self.get_queryset().model
            hidden = getattr(model, "SENSITIVE_FIELDS", ())
            select_fields(
                getattr(serializer, "child", serializer),
                keep=keep,
                drop=drop,
                known=self.full_field_names() if brief else None,
                hidden=() if reads_drafts(self.request, model) else hidden,
            )
        return serializer

    def full_field_names(self):
        """The fields of the full form, for this reader, whatever ``brief`` asks for."""
        self.brief = False
        try:
            full = self.get_serializer_class()(context=self.get_serializer_context())
        finally:
            self.brief = None
        return list(full.fields)

    def _names(self, param):
        raw = self.request.query_params.get(param)
        if raw is None:
            return []
        names = [name.strip() for name in raw.split(",") if name.strip()]
        if not names:
            raise ValidationError({param: ["Give field names, or leave the parameter out."]})
        return names


def select_fields(serializer, *, keep, drop, known=None, hidden=()):
    """Narrow ``serializer`` to the ``keep`` fields (all if empty) minus the ``drop`` ones.

    ``known`` are the names a client may give (default: the serializer's own fields);
    ``hidden`` those it may not see: asking for one is a 403 (the description documents
    them); leaving one out is what the client gets anyway."""
    available = list(serializer.fields) if known is None else known
    refused = sorted({name for name in keep if name in hidden})
    if refused:
        raise PermissionDenied(
            f"{', '.join(refused)}: shown only to readers of drafts (editors, reviewers, and "
            "API keys with the read-drafts scope)."
        )
    unknown = [name for name in (*keep, *drop) if name not in available and name not in hidden]
    if unknown:
        param = "fields" if set(unknown) & set(keep) else "omit"
        raise ValidationError(
            {param: [f"Unknown field(s) {', '.join(unknown)}; choose from {', '.join(available)}."]}
        )
    for name in list(serializer.fields):
        if (keep and name not in keep) or name in drop:
            serializer.fields.pop(name)


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
    costly_actions = frozenset({"profile"})

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()

    @extend_schema(
        summary="Country profile: what an exile needs to know about a country",
        parameters=[
            lookup_parameter("code", "ISO 3166-1 alpha-2 code, in any case, e.g. LT."),
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description="Give the policies in force on this date (default: today).",
            ),
            LANGUAGE_PARAMETER,
        ],
        responses=CountryProfileSerializer,
    )
    @action(detail=True, methods=["get"])
    def profile(self, request, code=None):
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
        profile = country_profile(country=country, as_of=as_of, request=request)
        context = self.get_serializer_context()
        return Response(CountryProfileSerializer(profile, context=context).data)


@crud_docs(
    "exile group",
    "exile groups",
    lookup=lookup_parameter("slug", "The group's slug, e.g. it-specialists."),
)
class ExileGroupViewSet(EditorialMixin, ResourceViewSetMixin, viewsets.ModelViewSet):
    """The groups of exiles the sources distinguish: IT specialists; journalists, activists and
    NGO staff; the liberal intelligentsia; businesspeople and managers. Each with citations."""

    queryset = querysets.exile_groups()
    serializer_class = ExileGroupSerializer
    filterset_class = filters.ExileGroupFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "slug", "created_at", "updated_at"]


@crud_docs("source", "sources")
class SourceViewSet(EditorialMixin, ResourceViewSetMixin, viewsets.ModelViewSet):
    """The works the dataset cites. A source's detail lists every citation of it (`cited_by`):
    which record, where in the source, and the claim. A cited source cannot be deleted (409)."""

    serializer_class = SourceSerializer
    filterset_class = filters.SourceFilterSet
    ordering_fields = ["title", "year", "published_on", "created_at", "updated_at"]

    queryset = Source.objects.all()

    def get_queryset(self):
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

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance.citation_count = 0  # new: nothing cites it yet

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()  # the brief form, if asked for
        if self.action == "retrieve" and serializer_class is SourceSerializer:
            return SourceDetailSerializer
        return serializer_class


@crud_docs("statistic", "statistics", examples=[STATISTIC_EXAMPLE])
class StatisticViewSet(
    EditorialMixin, ResourceViewSetMixin, JSONBuiltInDatabaseMixin, viewsets.ModelViewSet
):
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
    def summary(self, request):
        """For each group of the (filtered) statistics: how many figures were reported and by
        how many sources, the most recent figure, and the lowest and highest figures, each
        with its period and citations. Figures are never summed: see `note`."""
        self.refuse_unknown_parameters(request, allowed={"q", "group_by", "lang"})
        group_by = choice_list_param(request, "group_by", GROUPINGS, DEFAULT_GROUP_BY)
        queryset = self.filter_queryset(self.get_queryset())
        data = {
            "group_by": group_by,
            "note": SUMMARY_NOTE,
            "groups": summarize_statistics(queryset, group_by=group_by),
        }
        context = {**self.get_serializer_context(), "group_by": group_by}
        return Response(StatisticsSummarySerializer(data, context=context).data)


@crud_docs(
    "media outlet",
    "media outlets",
    lookup=lookup_parameter("slug", "The outlet's slug, e.g. radio-liberty."),
)
class MediaOutletViewSet(EditorialMixin, ResourceViewSetMixin, viewsets.ModelViewSet):
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
class OrganizationViewSet(EditorialMixin, ResourceViewSetMixin, viewsets.ModelViewSet):
    """NGOs and exile organizations, universities in exile, funders, government committees and
    research institutes: where they are based, who leads them, whom they serve."""

    queryset = querysets.organizations()
    serializer_class = OrganizationSerializer
    filterset_class = filters.OrganizationFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "founded_year", "created_at", "updated_at"]


@crud_docs("host policy", "host policies")
class HostPolicyViewSet(EditorialMixin, ResourceViewSetMixin, viewsets.ModelViewSet):
    """Host-country policies and stances towards exiles from Russia: entry and visas,
    residence, company registration, banking, asylum, hosting NGOs and media, and more.

    `effective_to` empty means still in force, or not known; `is_historical` marks the
    policies of earlier eras (1920s, Cold War).
    """

    queryset = querysets.policies()
    serializer_class = HostPolicySerializer
    filterset_class = filters.HostPolicyFilterSet
    ordering_fields = ["title", "announced_on", "effective_from", "created_at", "updated_at"]


class ChangesView(APIView):
    """The changes feed: every creation, submission, publication, update, retraction and
    deletion across all resources, in commit order, for mirrors to sync incrementally.

    Store the `next_cursor` of each page and pass it as `since` next time: you get exactly
    the changes made since, none twice and none missed. Each change carries the record as it
    stood afterwards. A retraction is a change like any other: a mirror that applies the feed
    never keeps what was withdrawn. Clients who cannot read drafts see only the changes made
    while a record was public (from its publication on), without sensitive fields or authors.
    """

    MAX_LIMIT = 500
    permission_classes = [permissions.AllowAny]  # reads only; what each reader sees is below

    def is_costly_read(self, request):
        """A page of more than LARGE_PAGE changes (each with its record) is a costly read."""
        return large_page(request)

    @extend_schema(
        summary="The changes feed: everything that changed since a cursor",
        tags=["changes"],
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.INT,
                description="The next_cursor of your last page (default 0: from the start).",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Most changes to return (default 100, at most {MAX_LIMIT}).",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                description="Comma-separated record types (default all): "
                + ", ".join(RECORD_TYPES[m] for m in CURATED_MODELS),
            ),
        ],
        responses=ChangesPageSerializer,
    )
    def get(self, request):
        refuse_unknown(request, {"since", "limit", "type", "format"})
        since = whole_number_param(request, "since", default=0, maximum=2**63 - 1)
        limit = whole_number_param(request, "limit", default=100, minimum=1, maximum=self.MAX_LIMIT)
        types = {RECORD_TYPES[m]: m for m in CURATED_MODELS}
        chosen = choice_list_param(request, "type", list(types), types)
        readable = Q(pk__in=[])
        for type_name in chosen:
            model = types[type_name]
            of_model = Q(content_type=ContentType.objects.get_for_model(model))
            if not reads_drafts(request, model):
                of_model &= PUBLIC_CHANGES
            readable |= of_model
        changes = list(
            Change.objects.filter(readable, id__gt=since)
            .select_related("content_type")
            .order_by("id")[: limit + 1]
        )
        page = changes[:limit]
        data = [
            change_data(
                c, request, reads_drafts=reads_drafts(request, c.content_type.model_class())
            )
            for c in page
        ]
        body = {
            "next_cursor": page[-1].pk if page else since,
            "has_more": len(changes) > limit,
            "results": data,
        }
        response = Response(ChangesPageSerializer(body).data)
        if body["has_more"]:
            query = request.query_params.copy()
            query["since"] = str(body["next_cursor"])
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
            response["Link"] = f'<{next_url}>; rel="next"'
        return response


class SearchView(LanguageMixin, APIView):
    """Search every resource at once: countries, exile groups, sources, statistics, media
    outlets, organizations and policies. Same matching as `q=` on each list (word forms,
    prefixes, misspelt names, English and Russian); hits of all types ranked together."""

    permission_classes = [permissions.AllowAny]

    def is_costly_read(self, request):
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
    def get(self, request):
        text = validated_query_text(request)
        if not text:
            raise ValidationError({"q": ["This parameter is required."]})
        types = choice_list_param(request, "type", list(TYPES), TYPES)
        limit = whole_number_param(request, "limit", default=20, minimum=1, maximum=MAX_SEARCH_HITS)
        counts, hits = search_everything(text, types=types, limit=limit, request=request)
        data = {"query": text, "counts": counts, "results": hits}
        return Response(SearchResultsSerializer(data).data)


class ProblemTypeView(APIView):
    """What one kind of problem means: the document each problem's ``type`` URI names (or,
    without a name, every kind). Outside /api/v1/ and the OpenAPI paths: the description
    lists the same kinds under each operation's error responses."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    schema = None

    def get(self, request, name=None):
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
    def get(self, request):
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

"""The base viewsets: what every resource's API shares, in one fixed order.

``ResourceViewSet`` (reads) and ``CuratedViewSet`` (reads, writes and the editorial
workflow) are written out in full rather than stacked from mixins, so that the order of the
cross-cutting behaviour is visible in one place. A request goes through:

1. ``dispatch``: a write runs in one transaction, rolled back on any error response.
2. ``initial``: the response language, resolved once (``?lang=`` over Accept-Language) and
   handed to serializers in their context; then DRF's authentication, permissions and
   throttles.
3. ``get_queryset``: the records this client may read (drafts only to their readers); a
   write locks its record (``SELECT ... FOR UPDATE``) until it commits; a detail built in
   the database gets its JSON in the same query.
4. ``get_object``: a write checks If-Match (``conditional``); a curated record checks that
   it may be edited at all (``editorial``).
5. ``list`` / ``retrieve``: unknown parameters refused, then the list's count and
   Last-Modified in one query, then CSV (``exports``; lines built by PostgreSQL, ``sql_csv``,
   where it has them and no column is narrowed), JSON built by PostgreSQL
   (``sql_json``, where the model has it and no field is narrowed) or the serializer, with
   ``brief``, ``fields`` and ``omit`` passed to it.
6. ``finalize_response``: a record's ETag and Last-Modified.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection
from typing import Any, ClassVar, TypeVar, cast

import orjson
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils import translation
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotAuthenticated, NotFound, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer

from ..choices import ChangeAction, ChangeChannel
from ..editorial import revisions, services
from ..editorial.errors import EditorialError
from ..editorial.workflow import check_editable
from ..models import Revision
from ..models.base import CuratedModel, TimestampedModel
from ..visibility import reads_drafts, visible
from .changes import change_data, record_history
from .conditional import (
    RECORD_ACTIONS,
    WRITES,
    check_if_match,
    list_version,
    set_last_modified,
    set_validators,
)
from .errors import editorial_problem
from .exports import CSVRenderer, csv_columns, csv_list_response, wants_csv
from .filters import StrictFilterSet
from .pagination import LimitOffsetPagination, large_page
from .params import flag_param, language_param, names_param, refuse_unknown
from .schema import PAGE_PARAMETERS
from .serializers import (
    ChangeHistorySerializer,
    ChangeSerializer,
    CorrectionSerializer,
    ReasonSerializer,
    RevisionPageSerializer,
    RevisionSerializer,
)
from .sql_csv import CELLS, csv_line
from .sql_json import DOCUMENTS, page_json, record_document, record_json

# In a request's environ: the throttles' verdict, when the express lane counted the request
# before handing it to the request handling (``express.ThrottleVerdict``).
THROTTLE_VERDICT = "exile_api.express.throttle_verdict"
# Query parameters every list takes besides its filters.
LIST_PARAMETERS = frozenset({"q", "ordering", "limit", "offset", "fields", "omit", "brief", "lang"})
# Reads whose representation brief, fields and omit narrow.
NARROWED_ACTIONS = frozenset({"list", "retrieve"})

# The path parameter of one correction of a record (its actions' routes).
REVISION_ID = OpenApiParameter(
    "revision_id",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.PATH,
    description="The correction's number (its id).",
)
CORRECTION_ROUTE = r"corrections/(?P<revision_id>[0-9]+)"

# The model of a viewset's records (``ResourceViewSet[Country]``; DRF's generic views take a
# type argument at run time and ignore it).
M = TypeVar("M", bound=Model)
C = TypeVar("C", bound=CuratedModel)
Row = TypeVar("Row")


def timestamped(record: Model) -> TimestampedModel:
    """A resource's record, for its version: every resource's model is timestamped (a
    curated model too, though CuratedModel itself is not a TimestampedModel)."""
    return cast(TimestampedModel, record)


class WritesInOneTransaction:
    """A view whose every write is one transaction: a row locked for it stays locked until
    the write commits, and an error answered after part of the write (a check after saving)
    undoes all of it. DRF turns exceptions into responses, so the block would otherwise
    commit."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with transaction.atomic():
            response: HttpResponseBase = super().dispatch(  # type: ignore[misc]
                request, *args, **kwargs
            )
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response


class ResourceViewSet(WritesInOneTransaction, viewsets.ReadOnlyModelViewSet[M]):
    """A resource's reads: the list (filtered, searched, ordered, paginated, or whole as
    CSV) and the detail, in the language asked for, with conditional requests, and the
    representation narrowed by ``brief=true``, ``fields=`` and ``omit=``."""

    # Actions whose every read is costly (resources.api.throttling).
    costly_actions: ClassVar[frozenset[str]] = frozenset()
    # Actions that offer CSV; others answer ``Accept: text/csv`` with 406.
    csv_actions: ClassVar[tuple[str, ...]] = ("list", "retrieve")

    # What every resource's viewset sets (declared for the type checker only: DRF allows a
    # manager, None or no filterset, none of which a resource has).
    queryset: QuerySet[M]
    filterset_class: type[StrictFilterSet]
    # Set by get_object: the record a detail shows or a write changes.
    current_record: M

    # The response language: the default until ``initial`` resolves the request's (the
    # schema generator builds serializers without a request).
    language: str = settings.LANGUAGE_CODE

    # 1. Before the handler ---------------------------------------------------------------

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.language = language_param(request)
        translation.activate(self.language)  # Django's and DRF's own messages follow it too
        super().initial(request, *args, **kwargs)

    def check_throttles(self, request: Request) -> None:
        """DRF's check, whose throttles count the request, unless the express lane
        (``express``) counted it already and handed its verdict on."""
        verdict = request._request.META.get(THROTTLE_VERDICT)
        waits = self.throttle_waits(request) if verdict is None else verdict.waits
        if verdict is not None and verdict.standing is not None:
            # As the throttles left it when they counted (exile_api.middleware reads it).
            request._request.rate_limit = verdict.standing  # type: ignore[attr-defined]
        if waits:
            # As DRF: a throttle may have no wait to tell (config or rate changes).
            durations = [duration for duration in waits if duration is not None]
            # None: no wait to tell (DRF's Throttled takes it; its stubs say a float).
            self.throttled(request, cast(float, max(durations, default=None)))

    def throttle_waits(self, request: Request) -> builtins.list[float | None]:
        """Ask every throttle (each counts the request): the waits of those that refuse it."""
        return [
            throttle.wait()
            for throttle in self.get_throttles()
            if not throttle.allow_request(request, self)
        ]

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = super().get_renderers()
        if getattr(self, "action", None) in self.csv_actions:
            renderers.append(CSVRenderer())
        return renderers

    def is_costly_read(self, request: Request) -> bool:
        """Costly: the costly actions, a page of more than LARGE_PAGE records, and a list
        searched with ``q`` or exported as CSV (every matching record)."""
        if self.action in self.costly_actions or large_page(request):
            return True
        return self.action == "list" and (wants_csv(request) or bool(request.query_params.get("q")))

    # 2. Records ----------------------------------------------------------------------------

    def writes_record(self) -> bool:
        """Whether the request writes one record: PUT, PATCH, DELETE or a POST action on it.

        Not OPTIONS: DRF's metadata describes the writes a client may make by replaying them
        on a copy of the request (its method PUT), outside any transaction (``dispatch``
        opens none for OPTIONS). It writes nothing, so it takes no row lock (which outside a
        transaction is an error) and checks no If-Match."""
        if self.action == "metadata":
            return False
        method = self.request.method
        return method in WRITES or (method == "POST" and self.detail)

    def builds_in_database(self, format_name: str, models: Collection[type[Model]]) -> bool:
        """Whether PostgreSQL builds the representation in ``format_name`` (``sql_json``'s
        JSON, ``sql_csv``'s CSV lines) for a model among ``models``: only where it equals
        the serializer's answer, every field."""
        renderer = getattr(self.request, "accepted_renderer", None)
        return (
            self.queryset.model in models
            and renderer is not None
            and renderer.format == format_name
            and self.request.method in ("GET", "HEAD")
            and not {"fields", "omit", "brief"} & set(self.request.query_params)
        )

    def builds_json_in_database(self) -> bool:
        return self.builds_in_database("json", DOCUMENTS)

    def get_queryset(self) -> QuerySet[M]:
        queryset = super().get_queryset()
        if issubclass(queryset.model, CuratedModel):
            # Curated records (the check above; a queryset's type is not narrowed by it).
            queryset = visible(cast("QuerySet[Any]", queryset), self.request)
        if self.detail and self.writes_record():
            # Held until the write commits: the If-Match check and the write are one step.
            queryset = queryset.select_for_update(of=("self",))
        elif self.action == "retrieve" and self.builds_json_in_database():
            # The record's version (for ETag and Last-Modified) and its JSON, in one query.
            annotated = (
                queryset.select_related(None)
                .prefetch_related(None)
                .only("pk", "updated_at")
                .annotate(document=record_json(queryset.model, self.request, self.language))
            )
            queryset = cast("QuerySet[M]", annotated)  # the same records, with their JSON
        return queryset

    def filter_queryset(self, queryset: QuerySet[M, Row]) -> QuerySet[M, Row]:
        # A record is found by its key alone: list filters in the query string of a detail,
        # a write or the country profile must not turn it into a 404.
        return queryset if self.detail else super().filter_queryset(queryset)

    def filter_with_filterset(self, queryset: QuerySet[M]) -> tuple[QuerySet[M], StrictFilterSet]:
        """The list's filter backends applied to ``queryset``, as ``filter_queryset`` applies
        them, and the validated filterset among them: for a handler that reads which filters
        were given (building and validating a filterset again costs milliseconds)."""
        filterset = None
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                # DjangoFilterBackend.filter_queryset, keeping the filterset.
                filterset = backend.get_filterset(self.request, queryset, self)
                if not filterset.is_valid():
                    raise translate_validation(filterset.errors)
                queryset = filterset.qs
            else:
                queryset = backend.filter_queryset(self.request, queryset, self)
        assert isinstance(filterset, StrictFilterSet), "a resource lists through its filterset"
        return queryset, filterset

    def get_object(self) -> M:
        record = self.document_record() if self.reads_document() else super().get_object()
        self.current_record = record
        if self.writes_record():
            check_if_match(self.request, timestamped(record))
        return record

    def reads_document(self) -> bool:
        """Whether the detail is read with its JSON by primary key in one prepared statement
        (``sql_json.record_document``) rather than through the queryset: a JSON read of a
        model PostgreSQL builds, looked up by a plain number (anything else, the queryset
        answers: a 404 for a key that is no number, as DRF's lookup does)."""
        key = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        return (
            self.action == "retrieve"
            and self.lookup_field == "pk"
            and key.isascii()
            and key.isdigit()
            and len(key) <= 18
            and self.builds_json_in_database()
        )

    def document_record(self) -> M:
        """The record ``reads_document`` reads, with its JSON text as ``document``; the
        records this client may read only, as ``get_queryset`` narrows them."""
        model = self.queryset.model
        public_only = issubclass(model, CuratedModel) and not reads_drafts(self.request, model)
        pk = int(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        record = record_document(model, pk, self.request, self.language, public_only=public_only)
        if record is None:
            # Django's get_object_or_404, which DRF's get_object calls, says the same.
            raise Http404(f"No {model._meta.object_name} matches the given query.")
        self.check_object_permissions(self.request, record)
        return cast(M, record)

    # 3. Representations ------------------------------------------------------------------

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "language": self.language}

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer[M]:
        if self.request.method in ("GET", "HEAD") and self.action in NARROWED_ACTIONS:
            kwargs.setdefault("brief", flag_param(self.request, "brief"))
            kwargs.setdefault("fields", names_param(self.request, "fields"))
            kwargs.setdefault("omit", names_param(self.request, "omit"))
        return super().get_serializer(*args, **kwargs)

    # 4. Handlers ---------------------------------------------------------------------------

    def refuse_unknown_parameters(
        self, request: Request, allowed: Collection[str] = LIST_PARAMETERS
    ) -> None:
        """A misspelt filter (destinaton=GE) is a 400, not a list of everything. ``allowed``:
        the parameters taken besides the filters (default: those of every list)."""
        refuse_unknown(request, {*allowed, "format", *self.filterset_class.base_filters})

    # A CSV export answers with a StreamingHttpResponse: DRF takes any HttpResponseBase from a
    # handler (finalize_response asserts no more), but the stubs declare a Response.
    def list(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        self.refuse_unknown_parameters(request)
        listed = self.filter_queryset(self.get_queryset())
        count, latest = list_version(listed)
        if wants_csv(request):
            response = self.csv_list(request, listed)
        elif self.builds_json_in_database():
            # The page's ids first, from the filters' index alone; then the JSON of those
            # records only (joining every match to build JSON, then sorting, costs more).
            ids = self.paginate_counted(listed.values_list("pk", flat=True), count)
            page = page_json(listed.model, ids, request, self.language)
            response = self.get_paginated_response(page)
        else:
            page = self.paginate_counted(listed, count)
            response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        set_last_modified(response, latest)
        return response

    @property
    def pages(self) -> LimitOffsetPagination:
        """The paginator: the API's own (DEFAULT_PAGINATION_CLASS), for its methods."""
        return cast(LimitOffsetPagination, self.paginator)

    def paginate_counted(self, queryset: QuerySet[Any, Any], count: int) -> builtins.list[Any]:
        return self.pages.paginate_counted(queryset, self.request, self, count=count)

    def csv_list(self, request: Request, listed: QuerySet[M]) -> HttpResponseBase:
        # limit and offset do not apply to an export, but a malformed one is refused all
        # the same (before the response exists, so that it is a 400).
        self.pages.get_limit(request)
        self.pages.get_offset(request)
        # One record's serializer (no many=True): a Serializer, with fields.
        serializer = cast(Serializer[M], self.get_serializer())
        lines = None
        line = (
            request.method == "GET"
            and self.builds_in_database("csv", CELLS)
            and csv_line(
                listed.model, csv_columns(serializer), request.build_absolute_uri("/").rstrip("/")
            )
        )
        if line:
            # Each record's finished line, built in the query that reads it.
            lines = (
                listed.select_related(None)
                .prefetch_related(None)
                .annotate(line=line)
                .values_list("line", flat=True)
            )
        return csv_list_response(
            listed,
            serializer,
            filename=f"{self.basename}.csv",
            head=request.method == "HEAD",
            lines=lines,
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        if self.builds_json_in_database():
            # The JSON annotated by get_queryset: not a model attribute the stubs could know.
            return Response(orjson.loads(record.document))  # type: ignore[attr-defined]
        return Response(self.get_serializer(record).data)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "current_record", None)
        if self.action in RECORD_ACTIONS and record is not None:
            set_validators(response, timestamped(record), written=self.writes_record())
        return response


class CuratedViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, ResourceViewSet[C]
):
    """A curated resource: reads show what ``resources.visibility`` lets the client see (a
    draft is a 404 to others); writes create drafts and are kept in the record's history
    (``resources.editorial``); editing a published record takes a reviewer, a retracted one
    cannot be edited (409). DELETE retracts. Actions move records on; ``history/`` lists a
    record's changes."""

    def get_object(self) -> C:
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

    def perform_create(self, serializer: BaseSerializer[C]) -> None:
        self.save_record(serializer, ChangeAction.CREATED)

    def perform_update(self, serializer: BaseSerializer[C]) -> None:
        self.save_record(serializer, ChangeAction.UPDATED)

    def save_record(self, serializer: BaseSerializer[C], action_name: ChangeAction) -> None:
        services.save(
            write=serializer.save,
            action=action_name,
            user=self.request.user,
            channel=ChangeChannel.API,
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """DELETE retracts: the record stays public, marked retracted with reason and date.
        The reason comes in the body, as the description says (``?reason=`` is refused, with
        any other query parameter: a reason left in the URL would be lost without a word)."""
        refuse_unknown(request, {"format", "lang"})
        return self.move("retract", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, **kwargs: Any) -> Response:
        """Submit a draft for review (editors). Answers with the record."""
        return self.move("submit", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request: Request, **kwargs: Any) -> Response:
        """Send a record in review back to draft (editors), with an optional reason."""
        return self.move("return", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, **kwargs: Any) -> Response:
        """Publish a record in review (reviewers). Send If-Match with the ETag of the version
        you reviewed: if it changed since, nothing is published (412)."""
        return self.move("publish", self.reason_from_body())

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def retract(self, request: Request, **kwargs: Any) -> Response:
        """Retract a published record (reviewers), with a reason: it stays public, marked
        retracted, and the changes feed tells mirrors to withdraw it."""
        return self.move("retract", self.reason_from_body())

    def move(self, transition_name: str, reason: str) -> Response:
        record = self.get_object()
        services.transition(
            record=record,
            name=transition_name,
            user=self.request.user,
            channel=ChangeChannel.API,
            reason=reason,
        )
        return Response(self.get_serializer(record).data)

    def reason_from_body(self) -> str:
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
    def history(self, request: Request, **kwargs: Any) -> Response:
        """Every change to the record, oldest first: who (editors only), when, through what,
        what changed (old and new values) and the record after it. Readers of published
        records see its public life: from its publication on."""
        refuse_unknown(request, {"limit", "offset", "lang", "format"})
        changes, reads_drafts = record_history(self.get_object(), request)
        # Never None (the API's paginator always has a limit); the changes are not records
        # of this viewset's model, which GenericAPIView.paginate_queryset is typed for.
        page = self.pages.paginate_queryset(changes, request, self) or []
        return self.get_paginated_response(
            ChangeSerializer(
                [change_data(change, request, reads_drafts=reads_drafts) for change in page],
                many=True,
            ).data
        )

    # Corrections of a published record, through review (resources.editorial.revisions) ----

    @extend_schema(parameters=PAGE_PARAMETERS, responses=RevisionPageSerializer)
    @action(detail=True, methods=["get"])
    def corrections(self, request: Request, **kwargs: Any) -> Response:
        """The corrections proposed for the record, oldest first, with where each is in its
        review. The public sees the record as published until a correction is published."""
        refuse_unknown(request, {"limit", "offset", "lang", "format"})
        record = self.get_object()
        proposed = self.record_revisions(record)
        # Never None (the API's paginator always has a limit).
        page = self.pages.paginate_queryset(proposed, request, self) or []
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    @extend_schema(
        summary="Propose a correction of a published record",
        # The body: CorrectionSerializer, its data this resource's PUT body (AutoSchema).
        responses={
            201: OpenApiResponse(
                RevisionSerializer, description="Proposed: the correction, as a draft."
            )
        },
    )
    @corrections.mapping.post
    def propose_correction(self, request: Request, **kwargs: Any) -> Response:
        """Propose a correction of a published record (editors): the record as it should be,
        whole, in the body a PUT to it takes, and what it fixes. Validated now (errors under
        `data.<field>`), written only when a reviewer publishes it; the public sees the
        record unchanged until then."""
        record = self.get_object()
        body = CorrectionSerializer(data=self.request_object())
        body.is_valid(raise_exception=True)
        revision = revisions.propose(
            record=record,
            data=body.validated_data["data"],
            reason=body.validated_data["reason"],
            user=request.user,
            channel=ChangeChannel.API,
            context=self.get_serializer_context(),
        )
        return Response(RevisionSerializer(revision).data, status=201)

    @extend_schema(request=None, responses=RevisionSerializer, parameters=[REVISION_ID])
    @action(detail=True, methods=["post"], url_path=f"{CORRECTION_ROUTE}/submit")
    def submit_correction(self, request: Request, **kwargs: Any) -> Response:
        """Submit a draft correction for review (editors). Answers with the correction."""
        revision = revisions.submit(
            revision=self.current_revision(), user=request.user, channel=ChangeChannel.API
        )
        return Response(RevisionSerializer(revision).data)

    @extend_schema(request=None, responses=RevisionSerializer, parameters=[REVISION_ID])
    @action(detail=True, methods=["post"], url_path=f"{CORRECTION_ROUTE}/withdraw")
    def withdraw_correction(self, request: Request, **kwargs: Any) -> Response:
        """Withdraw a correction not yet published (editors): it stays listed, withdrawn."""
        revision = revisions.withdraw(
            revision=self.current_revision(), user=request.user, channel=ChangeChannel.API
        )
        return Response(RevisionSerializer(revision).data)

    @extend_schema(request=None, responses=RevisionSerializer, parameters=[REVISION_ID])
    @action(detail=True, methods=["post"], url_path=f"{CORRECTION_ROUTE}/publish")
    def publish_correction(self, request: Request, **kwargs: Any) -> Response:
        """Publish a correction in review over the record (reviewers; not who proposed or
        submitted it): the record is replaced by it, as by a PUT, and its history credits
        you. Refused (409) if the record changed after the correction was proposed: withdraw
        it and propose it again. Answers with the correction."""
        revision = self.current_revision()
        revisions.publish(
            revision=revision,
            user=request.user,
            channel=ChangeChannel.API,
            context=self.get_serializer_context(),
        )
        return Response(RevisionSerializer(revision).data)

    def record_revisions(self, record: C) -> QuerySet[Revision]:
        """The record's corrections, for readers of its drafts only: 401 to anonymous
        clients, 404 to others (as a draft is)."""
        if not reads_drafts(self.request, type(record)):
            if not self.request.user.is_authenticated:
                raise NotAuthenticated("Corrections are shown to editors only: log in.")
            raise NotFound("No corrections you may see.")
        return Revision.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        ).select_related("proposed_by", "submitted_by", "reviewed_by")

    def current_revision(self) -> Revision:
        """The correction the URL names, of the record it names (locked with it)."""
        record = self.get_object()
        revision = self.record_revisions(record).filter(pk=self.kwargs["revision_id"]).first()
        if revision is None:
            raise NotFound(f"No correction #{self.kwargs['revision_id']} of this record.")
        return revision

    def request_object(self) -> dict[str, Any]:
        data = self.request.data
        if not isinstance(data, dict):  # JSON null, a list, a string: not the object asked for
            raise ValidationError(
                {"non_field_errors": [ErrorDetail("Send a JSON object.", "invalid")]}
            )
        return data

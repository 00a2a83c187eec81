"""Who sees which records and fields: the editorial workflow's read side.

Anyone reads published and retracted records. Drafts and records in review are seen only by
users holding the model's ``view`` permission (editors, reviewers, administrators), and,
through an API key, only when the key has the ``read-drafts`` scope. Those same readers, and
no one else, see the sensitive fields (contact details, internal notes).

Lists, search, country profiles and summaries answer with published records only, unless a
reader of drafts asks for others (``publication_status=``): a retracted record is public, so
that whoever relied on it learns it was withdrawn, but it no longer answers questions.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from rest_framework.request import Request

from .choices import ApiKeyScope
from .choices import PublicationStatus as Status
from .models import ApiKey
from .models.base import PUBLIC_STATUSES, CuratedModel
from .registry import citing_owners

# Who makes a request (request.user): a user of the project's user model, Django's own (no
# AUTH_USER_MODEL of its own), or the anonymous user.
RequestUser = User | AnonymousUser
Curated = TypeVar("Curated", bound=CuratedModel)


def permission(model: type[Model], action: str) -> str:
    """The full name of a model's permission, e.g. ``resources.publish_statistic``."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def reads_drafts(request: HttpRequest | Request | None, model: type[Model]) -> bool:
    """Whether the client behind ``request`` (None: a management command) may see ``model``'s
    drafts and its sensitive fields."""
    if request is None:
        return True
    user: RequestUser = getattr(request, "user", None) or AnonymousUser()
    key = getattr(request, "auth", None)
    if isinstance(key, ApiKey) and ApiKeyScope.READ_DRAFTS not in key.scopes:
        return False
    return user.is_authenticated and user.has_perm(permission(model, "view"))


def visible(
    queryset: QuerySet[Curated], request: HttpRequest | Request | None
) -> QuerySet[Curated]:
    """``queryset`` narrowed to the records the client may read."""
    return queryset if reads_drafts(request, queryset.model) else public(queryset)


def public(queryset: QuerySet[Curated]) -> QuerySet[Curated]:
    """The published and retracted records: what anyone may read."""
    return queryset.filter(publication_status__in=PUBLIC_STATUSES)


def published(queryset: QuerySet[Curated]) -> QuerySet[Curated]:
    """Only the published records: what answers questions (profiles, summaries, search)."""
    return queryset.filter(publication_status=Status.PUBLISHED)


# Each citing model -> the resource records it is shown within (resources.registry).
CITING_OWNERS = citing_owners()


def readable_citations(
    request: HttpRequest | Request | None, models: Iterable[type[Model]] = CITING_OWNERS
) -> Q:
    """A filter on Citation: the citations of ``models``' records that the client may read,
    those of public records, and of drafts for readers of drafts."""
    condition = Q(pk__in=[])
    for model in models:
        owners = CITING_OWNERS[model]
        of_model = Q(content_type=ContentType.objects.get_for_model(model))
        if all(reads_drafts(request, owner) for _path, owner in owners):
            condition |= of_model
            continue
        public_owner = Q()
        for path, _owner in owners:
            public_owner |= Q(**{f"{path}publication_status__in": PUBLIC_STATUSES})
        readable = model._default_manager.filter(public_owner).values("pk")
        condition |= of_model & Q(object_id__in=readable)
    return condition

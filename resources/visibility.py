"""Who sees which records and fields: the editorial workflow's read side.

Anyone reads published and retracted records. Drafts and records in review are seen only by
users holding the model's ``view`` permission (editors, reviewers, administrators), and,
through an API key, only when the key has the ``read-drafts`` scope. Those same readers, and
no one else, see the sensitive fields (contact details, internal notes).

Lists, search, country profiles and summaries answer with published records only, unless a
reader of drafts asks for others (``publication_status=``): a retracted record is public, so
that whoever relied on it learns it was withdrawn, but it no longer answers questions.
"""

from django.contrib.auth.models import AnonymousUser

from .choices import ApiKeyScope
from .choices import PublicationStatus as Status
from .models import ApiKey
from .models.base import PUBLIC_STATUSES


def permission(model, action):
    """The full name of a model's permission, e.g. ``resources.publish_statistic``."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def reads_drafts(request, model):
    """Whether the client behind ``request`` (None: a management command) may see ``model``'s
    drafts and its sensitive fields."""
    if request is None:
        return True
    user = getattr(request, "user", None) or AnonymousUser()
    key = getattr(request, "auth", None)
    if isinstance(key, ApiKey) and ApiKeyScope.READ_DRAFTS not in key.scopes:
        return False
    return user.is_authenticated and user.has_perm(permission(model, "view"))


def visible(queryset, request):
    """``queryset`` narrowed to the records the client may read."""
    return queryset if reads_drafts(request, queryset.model) else public(queryset)


def public(queryset):
    """The published and retracted records: what anyone may read."""
    return queryset.filter(publication_status__in=PUBLIC_STATUSES)


def published(queryset):
    """Only the published records: what answers questions (profiles, summaries, search)."""
    return queryset.filter(publication_status=Status.PUBLISHED)

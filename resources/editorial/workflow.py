"""The editorial workflow: who may move a record on (``resources.visibility``: who sees it).

    draft --submit--> in_review --publish--> published --retract--> retracted
      ^                  |
      +-----return-------+

Editors (``change`` permission) create drafts, edit drafts and records in review, submit them
and return them to draft. Reviewers (``publish_<model>`` permission) publish, retract and edit
published records. Retracted records are frozen: they stay public with their reason and date
and cannot be edited, only hard-deleted by a superuser in the admin.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail

from ..choices import ChangeAction
from ..choices import PublicationStatus as Status
from ..models import Change, Source
from ..models.base import PUBLIC_STATUSES, CuratedModel
from ..visibility import RequestUser, permission
from .errors import EditorialError, NotAllowed, Refused, WrongStatus
from .snapshots import cited_source_keys, snapshot


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[Status, ...]
    target: Status
    right: str  # the model permission it takes: change or publish
    action: ChangeAction  # what the change history calls it
    summary: str
    past: str  # "submitted", for messages


# "Only a draft can be submitted": each status as the records in it are called.
ONE_RECORD_IN: dict[Status, str] = {
    Status.DRAFT: "a draft",
    Status.IN_REVIEW: "a record in review",
    Status.PUBLISHED: "a published record",
    Status.RETRACTED: "a retracted record",
}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            (Status.DRAFT,),
            Status.IN_REVIEW,
            "change",
            ChangeAction.SUBMITTED,
            "Submit a draft for review",
            "submitted",
        ),
        Transition(
            "return",
            (Status.IN_REVIEW,),
            Status.DRAFT,
            "change",
            ChangeAction.RETURNED,
            "Return a record in review to draft",
            "returned",
        ),
        Transition(
            "publish",
            (Status.IN_REVIEW,),
            Status.PUBLISHED,
            "publish",
            ChangeAction.PUBLISHED,
            "Publish a reviewed record",
            "published",
        ),
        Transition(
            "retract",
            (Status.PUBLISHED,),
            Status.RETRACTED,
            "publish",
            ChangeAction.RETRACTED,
            "Retract a published record (it stays public, marked retracted)",
            "retracted",
        ),
    )
}


def check_transition(record: CuratedModel, name: str, *, user: RequestUser) -> Transition:
    """Whether ``user``'s role and ``record``'s status allow transition ``name``: raises
    NotAllowed or WrongStatus, else returns it. What only the move itself checks (a retraction's
    reason, four eyes, unpublished references) may still refuse it."""
    transition = TRANSITIONS[name]
    if not user.has_perm(permission(type(record), transition.right)):
        raise NotAllowed(f"You may not {name} {type(record)._meta.verbose_name_plural}.")
    if record.publication_status not in transition.sources:
        allowed = " or ".join(ONE_RECORD_IN[status] for status in transition.sources)
        raise WrongStatus(
            f"Only {allowed} can be {transition.past}; this one is "
            f"{Status(record.publication_status).label}."
        )
    return transition


def offered_transitions(record: CuratedModel, user: RequestUser) -> list[Transition]:
    """The transitions ``check_transition`` allows ``user`` on ``record``, in workflow order:
    what a record's page offers them."""
    offered = []
    for name in TRANSITIONS:
        try:
            offered.append(check_transition(record, name, user=user))
        except EditorialError:
            continue
    return offered


def apply_transition(
    record: CuratedModel, name: str, *, user: RequestUser, reason: str = ""
) -> Transition:
    """Move ``record`` along transition ``name``; saves it. Raises NotAllowed, WrongStatus or
    Refused."""
    transition = check_transition(record, name, user=user)
    reason = (reason or "").strip()
    if name == "retract" and not reason:
        raise Refused({"reason": [ErrorDetail("Say why the record is retracted.", "invalid")]})
    if transition.target == Status.PUBLISHED:
        refuse_own_work(record, user)
        refuse_unpublished_references(record)
    now = timezone.now()
    record.publication_status = transition.target
    if transition.target == Status.PUBLISHED and record.published_at is None:
        record.published_at = now
    if transition.target == Status.RETRACTED:
        record.retracted_at, record.retraction_reason = now, reason
    record.save()
    return transition


# The changes that make a record someone's work: its content, and sending it to review.
AUTHORED = (ChangeAction.CREATED, ChangeAction.UPDATED, ChangeAction.REVERTED)


def refuse_own_work(record: CuratedModel, user: RequestUser) -> None:
    """Four eyes: a reviewer may not publish a record they submitted or last edited, so that
    one account alone (a careless or a compromised one) cannot put a record before the public.
    REQUIRE_SECOND_REVIEWER=False turns this off, for a team of one."""
    if not settings.REQUIRE_SECOND_REVIEWER:
        return
    history = Change.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).order_by("-id")
    last_submit = history.filter(action=ChangeAction.SUBMITTED).values("user_id")[:1]
    last_edit = history.filter(action__in=AUTHORED).values("user_id")[:1]
    authors = {row["user_id"] for row in [*last_submit, *last_edit]}
    if user.pk in authors:
        raise NotAllowed(
            "Publishing takes a second person: you submitted or last edited this record. "
            "Ask another reviewer to publish it."
        )


def check_editable(record: CuratedModel, user: RequestUser) -> None:
    """Editors edit drafts and records in review; published ones take a reviewer; retracted
    ones are frozen."""
    if record.publication_status == Status.RETRACTED:
        raise WrongStatus("A retracted record cannot be edited.")
    if record.publication_status == Status.PUBLISHED and not user.has_perm(
        permission(type(record), "publish")
    ):
        raise NotAllowed("Editing a published record takes a reviewer.")


def refuse_unpublished_references(record: CuratedModel) -> None:
    """A public record may refer only to public records: a 400 naming each field that
    refers to a draft (or a record in review), so that nothing unpublished leaks through it."""
    errors: dict[str, list[ErrorDetail]] = {}
    for field in record._meta.get_fields():
        related_model = getattr(field, "related_model", None)
        if field.auto_created or not related_model or not issubclass(related_model, CuratedModel):
            continue
        if field.many_to_many:
            related = list(getattr(record, field.name).all())
        else:
            related = [getattr(record, field.name)]
        hidden = sorted(r.slug for r in related if r is not None and not r.is_public)
        if hidden:
            errors[field.name] = [
                ErrorDetail(
                    f"Refers to unpublished {', '.join(hidden)}; publish it first.",
                    code="unpublished_reference",
                )
            ]
    hidden_sources = Source.objects.filter(slug__in=cited_source_keys(snapshot(record))).exclude(
        publication_status__in=PUBLIC_STATUSES
    )
    hidden = sorted(hidden_sources.values_list("slug", flat=True))
    if hidden:
        errors["citations"] = [
            ErrorDetail(
                f"Cites unpublished source {', '.join(hidden)}; publish it first.",
                code="unpublished_reference",
            )
        ]
    if errors:
        raise Refused(errors)

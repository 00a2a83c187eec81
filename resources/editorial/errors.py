"""What the editorial rules refuse, in the domain's terms; resources.api.errors maps each to its
HTTP problem (403, 409, 400) and the admin shows it as a message."""

from typing import Any

from django.utils.functional import Promise


class EditorialError(Exception):
    """A write the editorial rules refuse. ``detail`` is a message, or for ``Refused`` a
    {field: [message, ...]} dict whose messages may carry a code (DRF's ErrorDetail)."""

    def __init__(self, detail: str | Promise | dict[str, Any]) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAllowed(EditorialError):
    """The user may not do this to this record (a role, or four eyes): 403."""


class WrongStatus(EditorialError):
    """The record's workflow status does not allow it (publishing a draft, editing a
    retracted record): 409."""


class Refused(EditorialError):
    """The record as it would be is not acceptable (a missing reason, a reference to an
    unpublished record): 400, with the fields at fault."""

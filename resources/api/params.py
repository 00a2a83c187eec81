"""Query parameters read strictly: each parser answers a 400 naming the parameter when its value
is not what the description says, and ``refuse_unknown`` refuses any parameter an operation does
not take (a misspelt one would otherwise be ignored without a word)."""

from collections.abc import Collection, Iterable, Mapping
from datetime import date

from django import forms
from django.conf import settings
from django.utils import translation
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request

from .filters import IsoDateField, StrictBooleanField

UNKNOWN_PARAMETER = ErrorDetail("Unknown parameter.", "unknown_parameter")


def refuse_unknown(request: Request, allowed: Iterable[str]) -> None:
    """A 400 naming every query parameter not in ``allowed``."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise ValidationError({name: [UNKNOWN_PARAMETER] for name in unknown})


def flag_param(request: Request, name: str) -> bool:
    """An optional true/false (or 1/0) query parameter, false when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return False
    value = StrictBooleanField.VALUES.get(raw.lower())
    if value is None:
        raise ValidationError({name: ["Must be true or false."]})
    return value


def whole_number(request: Request, name: str, *, minimum: int, maximum: int | None = None) -> int:
    """The query parameter ``name`` as a whole number in [minimum, maximum]; a 400 naming it.

    ASCII digits only, and not too many: str.isdigit() alone takes "²" (which int() rejects),
    int() takes "٣", " 5", "+5" and "1_0", and fails on 4,301 digits.
    """
    raw = request.query_params[name]
    digits = len(str(maximum)) if maximum is not None else 18
    if raw.isascii() and raw.isdigit() and len(raw) <= digits:
        value = int(raw)
        if value >= minimum and (maximum is None or value <= maximum):
            return value
    if maximum is None:
        raise ValidationError({name: [f"A whole number, at least {minimum}."]})
    raise ValidationError({name: [f"A whole number from {minimum} to {maximum}."]})


def whole_number_param(
    request: Request, name: str, *, default: int, minimum: int = 0, maximum: int
) -> int:
    """An optional whole-number query parameter in [minimum, maximum]; a 400 naming it."""
    if name not in request.query_params:
        return default
    return whole_number(request, name, minimum=minimum, maximum=maximum)


def date_param(request: Request, name: str) -> date | None:
    """An optional YYYY-MM-DD query parameter; a 400 naming it when malformed or empty (an
    empty ``as_of=`` is not "today": the client meant a date and sent none)."""
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return IsoDateField().clean(value)
    except forms.ValidationError:
        raise ValidationError({name: ["Enter a date as YYYY-MM-DD."]}) from None


def choice_list_param(
    request: Request, name: str, choices: Collection[str], default: Iterable[str]
) -> list[str]:
    """A comma-separated list of values from ``choices``; a 400 naming any other value."""
    raw = request.query_params.get(name)
    if not raw:
        return list(default)
    values = list(dict.fromkeys(v.strip() for v in raw.split(",") if v.strip()))
    unknown = [value for value in values if value not in choices]
    if unknown or not values:
        raise ValidationError({name: [f"Choose from {', '.join(choices)}."]})
    return values


def names_param(request: Request, name: str) -> list[str]:
    """A comma-separated list of names (``fields=id,slug``); empty when absent, a 400 when
    given with no name in it."""
    raw = request.query_params.get(name)
    if raw is None:
        return []
    names = [each.strip() for each in raw.split(",") if each.strip()]
    if not names:
        raise ValidationError({name: ["Give field names, or leave the parameter out."]})
    return names


def language_param(request: Request) -> str:
    """The response language: ``?lang=`` over the Accept-Language header (which Django's
    LocaleMiddleware has read); a 400 for a language the API does not serve."""
    language = request.query_params.get("lang")
    served: Mapping[str, str] = dict(settings.LANGUAGES)
    if language is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    if language not in served:
        raise ValidationError({"lang": [f"Unknown language; choose from {', '.join(served)}."]})
    return language

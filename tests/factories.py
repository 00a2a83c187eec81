"""Small builders of valid records, each with the citation every record needs.

Records are published unless a test says otherwise (``publication_status="draft"``), as if
they had been through review: most tests are about what the public sees.
"""

import itertools
from datetime import date

from django.utils import timezone

from resources.models import (
    Channel,
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Source,
    Statistic,
)

_numbers = itertools.count(1)


def unique(prefix):
    return f"{prefix}-{next(_numbers)}"


def cite(record, source, locator="para 1", claim="A claim in our own words."):
    record.citations.create(source=source, locator=locator, claim=claim)
    return record


def published(fields):
    """``fields`` with the published status (and its date) unless they give another."""
    status = fields.setdefault("publication_status", "published")
    if status in ("published", "retracted"):
        fields.setdefault("published_at", timezone.now())
    if status == "retracted":
        fields.setdefault("retracted_at", timezone.now())
        fields.setdefault("retraction_reason", "A test retraction.")
    return fields


def make_source(**fields):
    fields = published(fields)
    defaults = {
        "slug": unique("source"),
        "title": "Essay on the 2022 Russian exodus",
        "authors": "Andrei Soldatov; Irina Borogan",
        "year": 2022,
        "kind": "essay",
    }
    return Source.objects.create(**(defaults | fields))


def make_exile_group(source, **fields):
    fields = published(fields)
    slug = fields.pop("slug", unique("group"))
    group = ExileGroup.objects.create(slug=slug, name=fields.pop("name", slug), **fields)
    return cite(group, source)


def make_statistic(source, **fields):
    fields = published(fields)
    defaults = {
        "slug": unique("statistic"),
        "destination": Country.objects.get(code="GE"),
        "metric": "arrivals",
        "value": 25000,
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "period_start": date(2022, 2, 24),
        "period_end": date(2022, 3, 10),
    }
    return cite(Statistic.objects.create(**(defaults | fields)), source)


def make_organization(source, **fields):
    fields = published(fields)
    slug = fields.pop("slug", unique("organization"))
    defaults = {"name": slug, "kind": "ngo"}
    return cite(Organization.objects.create(slug=slug, **(defaults | fields)), source)


def make_media_outlet(source, **fields):
    fields = published(fields)
    slug = fields.pop("slug", unique("outlet"))
    defaults = {"name": slug, "kind": "channel_network"}
    outlet = cite(MediaOutlet.objects.create(slug=slug, **(defaults | fields)), source)
    channel = cite(Channel.objects.create(media_outlet=outlet, platform="youtube"), source)
    cite(channel.audience_figures.create(metric="views_per_video", value=1000000), source)
    return outlet


def make_policy(source, **fields):
    fields = published(fields)
    defaults = {
        "slug": unique("policy"),
        "country": Country.objects.get(code="AM"),
        "title": "Company registration for IT specialists",
        "topic": "company_registration",
        "stance": "supportive",
        "summary": "Helps IT specialists register companies.",
        "status": "in_force",
    }
    return cite(HostPolicy.objects.create(**(defaults | fields)), source)

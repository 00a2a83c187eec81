"""What the admin's pages show and how: the lists' columns (figures, periods, years, sources),
their country filters, the history's citations, "View on site" and the site's own names."""

import re
from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape, strip_tags

from resources.editorial import history
from resources.models import (
    Change,
    Channel,
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Statistic,
)
from tests.admin.test_admin import CITATION_PREFIX, admin_url
from tests.admin.test_admin_history import add_statistic, edit_statistic
from tests.factories import (
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)

SITE_HEADER = "Exile Resources — editors' admin"


def column(response, name):
    """The text of each row's ``name`` cell of a changelist, in the list's order."""
    html = response.content.decode()
    cells = re.findall(rf'<t[dh] class="field-{name}[^"]*">(.*?)</t[dh]>', html, re.DOTALL)
    return [strip_tags(cell).strip() for cell in cells]


def cells(response, name):
    """The HTML of each row's ``name`` cell."""
    html = response.content.decode()
    return re.findall(rf'<t[dh] class="field-{name}[^"]*">(.*?)</t[dh]>', html, re.DOTALL)


def by_slug(response, name, key="slug"):
    return dict(zip(column(response, key), column(response, name), strict=True))


@pytest.fixture
def three_statistics(source):
    """A figure with a hedge and a period, a range without one, and one with two sources."""
    report = make_source(
        slug="unhcr-2023", title="UNHCR Global Trends: Forced Displacement in 2023"
    )
    hedged = make_statistic(
        source,
        slug="emigration-first-year",
        value=1000000,
        qualifier="at_least",
        measure="cumulative",
        period_start=date(2022, 2, 24),
        period_end=date(2023, 2, 24),
    )
    ranged = make_statistic(
        source,
        slug="emigration-range",
        value=100000,
        value_low=100000,
        value_high=150000,
        period_start=None,
        period_end=None,
    )
    twice = make_statistic(
        source, slug="georgia-arrivals", destination=Country.objects.get(code="GE")
    )
    twice.citations.create(source=report, locator="p. 12", claim="Georgia counted 25,000.")
    twice.citations.create(source=source, locator="para 1", claim="Most stayed in Tbilisi.")
    return hedged, ranged, twice


# The statistics list -------------------------------------------------------------------


def test_statistics_list_shows_figures_as_the_api_does_with_separators_and_hedges(
    admin_client, three_statistics
):
    response = admin_client.get(admin_url(Statistic, "changelist"))

    assert response.status_code == HTTPStatus.OK
    assert by_slug(response, "figure") == {
        "emigration-first-year": "at least 1,000,000",
        "emigration-range": "100,000\u2013150,000",
        "georgia-arrivals": "25,000",
    }
    text = strip_tags(response.content.decode())  # the page as read, not its attributes
    assert "1000000.00" not in text
    assert "25000.00" not in text


def test_statistics_list_shows_the_period_in_one_column(admin_client, three_statistics):
    response = admin_client.get(admin_url(Statistic, "changelist"))

    assert by_slug(response, "period") == {
        "emigration-first-year": "2022-02-24 \u2013 2023-02-24",
        "emigration-range": "not stated",
        "georgia-arrivals": "2022-02-24 \u2013 2022-03-10",
    }
    assert 'class="field-period_start' not in response.content.decode()
    assert 'class="field-period_end' not in response.content.decode()


def test_statistics_list_puts_latest_periods_first_and_undated_ones_last(
    admin_client, three_statistics
):
    response = admin_client.get(admin_url(Statistic, "changelist"))

    assert column(response, "slug") == [
        "emigration-first-year",
        "georgia-arrivals",
        "emigration-range",
    ]


def test_statistics_list_shows_origin_and_destination_in_one_column(admin_client, three_statistics):
    response = admin_client.get(admin_url(Statistic, "changelist"))

    routes = by_slug(response, "route")
    assert routes["georgia-arrivals"] == "RU \u2192 Georgia"
    assert routes["emigration-range"] == "RU \u2192 Georgia"  # the factory's destination


def test_statistics_list_shows_each_cited_source_briefly_with_its_locators(
    admin_client, three_statistics
):
    response = admin_client.get(admin_url(Statistic, "changelist"))

    sources = dict(zip(column(response, "slug"), cells(response, "sources"), strict=True))
    assert sources["emigration-first-year"] == (
        '<span title="Essay on the 2022 Russian exodus">Essay on the 2022 Russian exodus</span>'
        ', <span class="nowrap">para 1</span>'
    )
    # A long title is cut, whole in the tooltip; each source on a line of its own, each
    # locator once.
    assert sources["georgia-arrivals"] == (
        '<span title="Essay on the 2022 Russian exodus">Essay on the 2022 Russian exodus</span>'
        ', <span class="nowrap">para 1</span><br>'
        '<span title="UNHCR Global Trends: Forced Displacement in 2023">'
        'UNHCR Global Trends: Forced Displacemen…</span>, <span class="nowrap">p. 12</span>'
    )


def test_statistics_list_costs_the_same_queries_for_one_row_and_for_three(admin_client, source):
    url = admin_url(Statistic, "changelist")
    make_statistic(source, slug="first")
    admin_client.get(url)  # content types, sessions and the like cached
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(url)
    for number in range(2):
        other = make_source(slug=f"other-source-{number}", title=f"Other source {number}")
        make_statistic(other, slug=f"more-{number}")

    with CaptureQueriesContext(connection) as three_rows:
        response = admin_client.get(url)

    assert len(response.context["cl"].result_list) == 3
    assert len(three_rows) == len(one_row)


def test_statistics_destination_filter_offers_only_the_countries_used(
    admin_client, three_statistics
):
    response = admin_client.get(admin_url(Statistic, "changelist"))

    (spec,) = [s for s in response.context["cl"].filter_specs if s.field_path == "destination"]
    assert spec.lookup_choices == [("GE", "Georgia (GE)")]


def test_statistics_list_has_no_navigation_sidebar(admin_client, three_statistics):
    response = admin_client.get(admin_url(Statistic, "changelist"))

    assert 'id="nav-sidebar"' not in response.content.decode()


# The other curated lists -------------------------------------------------------------------


def test_policies_list_shows_when_in_force_in_one_column(admin_client, source):
    make_policy(source, slug="dated", effective_from=date(2022, 3, 1), effective_to=None)
    make_policy(
        source, slug="undated", title="Undated policy", country=Country.objects.get(code="GE")
    )

    response = admin_client.get(admin_url(HostPolicy, "changelist"))

    assert by_slug(response, "in_force", key="title") == {
        "Company registration for IT specialists": "from 2022-03-01",
        "Undated policy": "not stated",
    }
    (spec,) = [s for s in response.context["cl"].filter_specs if s.field_path == "country"]
    assert spec.lookup_choices == [("AM", "Armenia (AM)"), ("GE", "Georgia (GE)")]


def test_organizations_list_shows_founded_and_dissolved_years_in_one_column(admin_client, source):
    make_organization(source, name="Amtorg", founded_year=1924, dissolved_year=1998)
    make_organization(source, name="Free Russia Forum", founded_year=2016)

    response = admin_client.get(admin_url(Organization, "changelist"))

    assert by_slug(response, "years", key="name") == {
        "Amtorg": "1924\u20131998",
        "Free Russia Forum": "since 2016",
    }


def test_outlets_list_shows_active_years_in_one_column(admin_client, source):
    make_media_outlet(source, name="Radio Liberty", active_from_year=1953, active_to_year=1995)

    response = admin_client.get(admin_url(MediaOutlet, "changelist"))

    assert by_slug(response, "active", key="name") == {"Radio Liberty": "1953\u20131995"}


def test_audience_figures_list_shows_figures_with_separators(admin_client, source):
    make_media_outlet(source, slug="tv-rain")

    response = admin_client.get(reverse("admin:resources_audiencefigure_changelist"))

    assert column(response, "figure") == ["1,000,000"]


# The history page ---------------------------------------------------------------------------


def test_history_page_shows_citations_by_source_title_locator_and_claim(admin_client, source):
    statistic = add_statistic(admin_client, source)
    edit_statistic(
        admin_client,
        statistic,
        **{f"{CITATION_PREFIX}-0-locator": "para 4", f"{CITATION_PREFIX}-0-claim": "Revised."},
    )

    response = admin_client.get(admin_url(Statistic, "history", statistic.pk))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert (
        '<div class="history-field"><strong>citations</strong>: <ul class="history-citations">'
        '<li><cite title="essay">Essay on the 2022 Russian exodus</cite>, para 3: '
        "“Georgia took in 25,000 people in two weeks.”</li></ul> → "
        '<ul class="history-citations"><li><cite title="essay">Essay on the 2022 Russian '
        "exodus</cite>, para 4: “Revised.”</li></ul></div>"
    ) in html
    assert "[{" not in html
    assert "'claim'" not in html
    # Scalars as before.
    assert "<strong>value</strong>: <code>null</code> → <code>25000</code>" in html


def test_history_page_shows_citations_nested_in_an_outlets_channels(admin_client, source):
    outlet = make_media_outlet(source, slug="tv-rain")
    history.record_change(outlet, action="created", channel="command")

    response = admin_client.get(admin_url(MediaOutlet, "history", outlet.pk))

    html = response.content.decode()
    assert '<strong>channels</strong>: <code>null</code> → <ol class="history-list">' in html
    assert (
        '<li><strong>citations</strong>: <ul class="history-citations"><li><cite title="essay">'
        "Essay on the 2022 Russian exodus</cite>, para 1: “A claim in our own words.”</li></ul>"
    ) in html
    assert "[{" not in html


def test_history_page_escapes_html_in_a_claim(admin_client, source):
    group = make_exile_group(source, slug="it-specialists")
    Citation.objects.filter(exilegroup=group).update(claim="<script>alert(1)</script>")
    history.record_change(group, action="updated", channel="command")

    response = admin_client.get(admin_url(ExileGroup, "history", group.pk))

    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "“&lt;script&gt;alert(1)&lt;/script&gt;”" in html


def test_history_page_of_a_citation_of_a_deleted_source_shows_its_key(admin_client, source):
    group = make_exile_group(source, slug="it-specialists")
    change = history.record_change(group, action="created", channel="command")
    change.changes["citations"]["new"][0]["source"] = "gone-source"
    Change.objects.filter(pk=change.pk).update(changes=change.changes)

    response = admin_client.get(admin_url(ExileGroup, "history", group.pk))

    assert '<cite title="gone-source">gone-source</cite>, para 1' in response.content.decode()


# View on site, and the site's names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (Statistic, lambda r: reverse("statistic-detail", kwargs={"pk": r[Statistic].pk})),
        (ExileGroup, lambda r: reverse("exile-group-detail", kwargs={"slug": "it-specialists"})),
        (MediaOutlet, lambda r: reverse("media-outlet-detail", kwargs={"slug": "tv-rain"})),
        (Channel, lambda r: reverse("media-outlet-detail", kwargs={"slug": "tv-rain"})),
        (Citation, lambda r: reverse("exile-group-detail", kwargs={"slug": "it-specialists"})),
        (Country, lambda r: reverse("country-detail", kwargs={"code": "GE"})),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_view_on_site_of_a_record_is_its_api_url(admin_client, source, model, expected):
    group = make_exile_group(source, slug="it-specialists")
    outlet = make_media_outlet(source, slug="tv-rain")
    records = {
        Statistic: make_statistic(source, publication_status="draft"),
        ExileGroup: group,
        MediaOutlet: outlet,
        Channel: outlet.channels.get(),
        Citation: group.citations.get(),
        Country: Country.objects.get(code="GE"),
    }
    url = expected(records)

    response = admin_client.get(admin_url(model, "change", records[model].pk))

    assert response.status_code == HTTPStatus.OK
    assert response.context["absolute_url"] == url
    assert f'<a href="{url}" class="viewsitelink">' in response.content.decode()
    # The link leads to the record, a draft included for the editor's session.
    assert admin_client.get(url).status_code == HTTPStatus.OK


def test_view_on_site_of_a_draft_statistic_serves_it_to_the_editor_only(
    admin_client, client, source
):
    statistic = make_statistic(source, slug="georgia-arrivals", publication_status="draft")
    url = admin_client.get(admin_url(Statistic, "change", statistic.pk)).context["absolute_url"]

    assert admin_client.get(url).json()["slug"] == "georgia-arrivals"
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_admin_index_names_the_site_and_links_view_site_to_the_api_docs(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f'<div id="site-name"><a href="/admin/">{escape(SITE_HEADER)}</a></div>' in html
    assert "<title>Records, sources and their review | Exile Resources admin</title>" in html
    assert "<h1>Records, sources and their review</h1>" in html
    assert f'<a href="{reverse("swagger-ui")}">View site</a>' in html
    assert "Django administration" not in html
    assert "Django site admin" not in html


def test_login_page_names_the_site(client, db):
    response = client.get(reverse("admin:login"))

    assert response.status_code == HTTPStatus.OK
    assert escape(SITE_HEADER) in response.content.decode()
    assert "Django administration" not in response.content.decode()


# A statistic's own pages name it with its figure written out ---------------------------------


def test_change_page_of_a_statistic_names_it_with_its_figure_written_out(admin_client, source):
    statistic = make_statistic(source, value=1000000, qualifier="at_least")

    response = admin_client.get(admin_url(Statistic, "change", statistic.pk))

    assert response.context["subtitle"] == "arrivals RU→GE: at least 1,000,000"
    html = response.content.decode()
    assert "<h2>arrivals RU→GE: at least 1,000,000</h2>" in html
    assert "&rsaquo; arrivals RU→GE: at least 1,000,000\n</div>" in html
    assert "1000000.00" not in strip_tags(html)


def test_history_page_of_a_statistic_names_it_with_its_figure_written_out(admin_client, source):
    statistic = make_statistic(source, value=25000)

    response = admin_client.get(admin_url(Statistic, "history", statistic.pk))

    assert response.context["title"] == "History: arrivals RU→GE: 25,000"
    assert "25000.00" not in strip_tags(response.content.decode())


def test_retract_page_of_a_statistic_names_it_with_its_figure_written_out(admin_client, source):
    statistic = make_statistic(source, value=25000)

    response = admin_client.post(admin_url(Statistic, "transition", statistic.pk, "retract"))

    assert "<li>arrivals RU→GE: 25,000 (published)</li>" in response.content.decode()
    assert "25000.00" not in strip_tags(response.content.decode())

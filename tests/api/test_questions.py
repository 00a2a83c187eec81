"""The issue's example questions, each answered by one documented request."""

from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import cite, make_media_outlet

ESSAY = "soldatov-borogan-2022-essay"


@pytest.fixture
def seeded(db):
    call_command("load_seed", verbosity=0)


def test_question_which_countries_currently_ease_company_registration_for_it(api_client, seeded):
    response = api_client.get(
        reverse("policy-list"),
        {
            "topic": "company_registration",
            "exile_group": "it-specialists",
            "stance": "welcoming,supportive",
            "current": "true",
        },
    )

    assert response.status_code == HTTPStatus.OK
    [policy] = response.json()["results"]
    assert policy["country"]["code"] == "AM"
    assert policy["slug"] == "armenia-it-company-registration"
    assert "local" in policy["conditions"]
    assert policy["citations"][0]["source"]["slug"] == ESSAY
    assert policy["citations"][0]["locator"] == "para 19"


def test_question_how_many_arrived_in_georgia_in_the_first_weeks_per_source(api_client, seeded):
    response = api_client.get(
        reverse("statistic-list"),
        {"destination": "GE", "metric": "arrivals", "period_overlaps": "2022-02-24,2022-03-31"},
    )

    [figure] = response.json()["results"]
    assert (figure["value"], figure["qualifier"], figure["measure"]) == (25000, "exact", "flow")
    assert (figure["period_start"], figure["period_end"]) == ("2022-02-24", "2022-03-10")
    assert [(c["source"]["slug"], c["locator"]) for c in figure["citations"]] == [(ESSAY, "para 1")]


def test_question_which_organizations_are_based_in_vilnius(api_client, seeded):
    response = api_client.get(
        reverse("organization-list"), {"city": "vilnius", "fields": "slug,name,locations"}
    )

    assert response.status_code == HTTPStatus.OK
    assert "alexei-navalny-organization" in [row["slug"] for row in response.json()["results"]]


def test_question_about_the_latest_source_says_how_old_it_is(api_client, seeded):
    response = api_client.get(reverse("policy-list"), {"current": "true"})

    assert response["Reported-As-Of"] == "2022"
    assert {policy["reported_as_of"] for policy in response.json()["results"]} == {"2022"}


def test_question_which_outlets_are_based_in_riga_and_on_which_platforms(api_client, source):
    riga = make_media_outlet(source, slug="riga-outlet", name="Riga outlet", city="Riga")
    riga.country_id = "LV"
    riga.save()
    cite(riga.channels.create(platform="telegram", handle="@example"), source)
    make_media_outlet(source, slug="vilnius-outlet", city="Vilnius", country_id="LT")

    response = api_client.get(
        reverse("media-outlet-list"), {"city": "riga", "fields": "slug,channels"}
    )

    [outlet] = response.json()["results"]
    assert outlet["slug"] == "riga-outlet"
    assert [(c["platform"], c["handle"]) for c in outlet["channels"]] == [
        ("telegram", "@example"),
        ("youtube", ""),
    ]


def test_question_what_was_lithuanias_stance_on_1_june_2022(api_client, seeded):
    response = api_client.get(
        reverse("policy-list"), {"country": "LT", "in_force_on": "2022-06-01"}
    )

    [policy] = response.json()["results"]
    assert policy["slug"] == "lithuania-welcomes-refugees-from-belarus-and-russia"
    assert policy["stance"] == "welcoming"
    assert sorted(n["code"] for n in policy["nationalities"]) == ["BY", "RU"]

from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import HostPolicy
from tests.factories import make_exile_group, make_policy
from tests.problems import field_errors

LIST_URL = reverse("policy-list")
CITE = [{"source": "essay", "locator": "para 19", "claim": "Armenia helps register companies."}]

VALID = {
    "slug": "armenia-company-registration",
    "country": "AM",
    "title": "Help registering companies",
    "topic": "company_registration",
    "stance": "supportive",
    "summary": "Helps IT specialists register companies.",
    "conditions": "Companies must hire local staff.",
    "exile_groups": ["it"],
    "nationalities": ["ru", "BY"],
    "status": "in_force",
    "citations": CITE,
}


def test_list_policies_with_groups_and_nationalities(api_client, source):
    group = make_exile_group(source, slug="it", name="IT specialists")
    armenia = make_policy(source, slug="am", title="A")
    armenia.exile_groups.add(group)
    armenia.nationalities.add("RU")
    make_policy(source, slug="lt", country_id="LT", title="B")
    make_policy(source, slug="us", country_id="US", title="C", status="announced")

    body = api_client.get(LIST_URL).json()

    assert [row["slug"] for row in body["results"]] == ["am", "lt", "us"]
    row = body["results"][0]
    assert row["country"] == {
        "code": "AM",
        "name": "Armenia",
        "url": "http://testserver/api/v1/countries/AM/",
    }
    assert [g["slug"] for g in row["exile_groups"]] == ["it"]
    assert [c["code"] for c in row["nationalities"]] == ["RU"]


def test_list_policies_query_count_is_independent_of_page_size(api_client, source):
    group = make_exile_group(source, slug="it")
    for number in range(101):
        policy = make_policy(source, slug=f"p{number}")
        policy.exile_groups.add(group)
        policy.nationalities.add("RU")
    counts = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(api_client.get(LIST_URL, {"limit": limit}).json()["results"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_filter_policies_by_topic_and_country(api_client, source):
    make_policy(source, slug="am")
    make_policy(source, slug="lt", country_id="LT", topic="asylum_and_refugees")
    body = api_client.get(LIST_URL, {"topic": "company_registration", "country": "am"}).json()
    assert [row["slug"] for row in body["results"]] == ["am"]


def test_create_policy_by_editor(editor_client, source):
    make_exile_group(source, slug="it")
    response = editor_client.post(LIST_URL, VALID, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    policy = HostPolicy.objects.get(slug="armenia-company-registration")
    assert policy.country_id == "AM"
    assert sorted(policy.nationalities.values_list("code", flat=True)) == ["BY", "RU"]
    assert policy.conditions == "Companies must hire local staff."


def test_create_policy_with_bad_input_is_400_and_writes_nothing(editor_client, source):
    make_exile_group(source, slug="it")
    for change, field in (
        ({"stance": "friendly"}, "stance"),
        ({"status": "rumoured"}, "status"),
        ({"country": None}, "country"),
        ({"nationalities": ["QQ"]}, "nationalities"),
        ({"effective_from": "2022-05-01", "effective_to": "2022-04-01"}, "effective_to"),
        ({"announced_on": "yesterday"}, "announced_on"),
        ({"summary": ""}, "summary"),
    ):
        response = editor_client.post(LIST_URL, VALID | change, format="json")
        assert list(field_errors(response)) == [field], change
    assert not HostPolicy.objects.exists()

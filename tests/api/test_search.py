"""``q=`` on the lists and the global ``/search/``: word forms, prefixes, typos, Russian,
citation claims and ranking, with exact results, and every malformed request a 400."""

from datetime import date
from http import HTTPStatus

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import Country, NotableFigure
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)
from tests.problems import field_errors

SEARCH = reverse("search")
ORGANIZATIONS = reverse("organization-list")
MEDIA_OUTLETS = reverse("media-outlet-list")
EXILE_GROUPS = reverse("exile-group-list")
STATISTICS = reverse("statistic-list")
POLICIES = reverse("policy-list")
TYPES = ["country", "exile_group", "source", "statistic", "media_outlet", "organization", "policy"]


def slugs(client, url, params):
    """The slugs a list request returns, in the order returned."""
    response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK, response.json()
    return [row["slug"] for row in response.json()["results"]]


def search(client, params):
    response = client.get(SEARCH, params)
    assert response.status_code == HTTPStatus.OK, response.json()
    return response.json()


def absolute(path):
    return f"http://testserver{path}"


def no_matches(**counts):
    return dict.fromkeys(TYPES, 0) | counts


# q= on the lists --------------------------------------------------------------------------


def test_search_plural_word_finds_singular_by_english_stemming(api_client, source):
    make_organization(
        source, slug="northern-light", name="Northern Light", description="An organization."
    )
    make_organization(source, slug="southern-cross", name="Southern Cross", description="Shelter")
    make_organization(source, slug="eastern-wind", name="Eastern Wind", description="Legal aid")

    assert slugs(api_client, ORGANIZATIONS, {"q": "organizations"}) == ["northern-light"]


def test_search_prefix_finds_city_and_text_with_that_beginning(api_client, source):
    make_media_outlet(source, slug="baltic-wave", name="Baltic Wave", city="Vilnius")
    make_media_outlet(
        source,
        slug="riga-voice",
        name="Riga Voice",
        city="Riga",
        description="Its reporters moved on to Vilnius.",
    )
    make_media_outlet(source, slug="tbilisi-now", name="Tbilisi Now", city="Tbilisi")

    assert slugs(api_client, MEDIA_OUTLETS, {"q": "Vil"}) == ["baltic-wave", "riga-voice"]


def test_search_misspelt_city_finds_it_by_similarity(api_client, source):
    make_organization(source, slug="exile-house", name="Exile House", city="Vilnius")
    make_organization(source, slug="free-space", name="Free Space", city="Riga")
    make_organization(source, slug="ark", name="Ark", city="Tbilisi")

    assert slugs(api_client, ORGANIZATIONS, {"q": "Vilnus"}) == ["exile-house"]


def test_search_misspelt_notable_figure_finds_their_organization(api_client, source):
    forum = make_organization(source, slug="free-russia-forum", name="Free Russia Forum")
    fund = make_organization(source, slug="anti-corruption", name="Anti-Corruption Foundation")
    make_organization(source, slug="ark", name="Ark")
    NotableFigure.objects.create(organization=forum, name="Garry Kasparov", role="founder")
    NotableFigure.objects.create(organization=fund, name="Leonid Volkov", role="leader")

    assert slugs(api_client, ORGANIZATIONS, {"q": "Kasparow"}) == ["free-russia-forum"]


def test_search_russian_word_form_finds_russian_name(api_client, source):
    make_exile_group(
        source,
        slug="liberal-intelligentsia",
        name="Liberal intelligentsia",
        name_ru="Либеральная интеллигенция",
    )
    make_exile_group(source, slug="it-specialists", name="IT specialists", name_ru="Айтишники")
    make_exile_group(source, slug="journalists", name="Journalists", name_ru="Журналисты")

    assert slugs(api_client, EXILE_GROUPS, {"q": "интеллигенции"}) == ["liberal-intelligentsia"]


def test_search_word_only_in_citation_claim_finds_the_cited_record(api_client, source):
    ark = make_organization(source, slug="ark", name="Ark", description="Helps exiles.")
    cite(ark, source, "p. 4", "Finds housing for deserters in Astana.")
    make_organization(source, slug="free-space", name="Free Space", description="Helps exiles.")
    make_organization(source, slug="exile-house", name="Exile House", description="Beds.")

    assert slugs(api_client, ORGANIZATIONS, {"q": "deserters"}) == ["ark"]


def test_search_word_only_in_statistic_claim_finds_the_statistic(api_client, source):
    cite(make_statistic(source, slug="a"), source, "p. 2", "Counted at the Upper Lars crossing.")
    make_statistic(source, slug="b", notes="Counted at airports.")
    make_statistic(source, slug="c")

    assert slugs(api_client, STATISTICS, {"q": "Lars"}) == ["a"]


def claim_rows(sql, params):
    """Run ``sql`` on resources_citation as a client outside the app would (no Django model)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def content_type_id(record):
    return ContentType.objects.get_for_model(record).pk


def test_search_claim_inserted_by_raw_sql_finds_the_record(api_client, source):
    ark = make_organization(source, slug="ark", name="Ark", description="Helps exiles.")
    make_organization(source, slug="free-space", name="Free Space", description="Beds.")
    make_organization(source, slug="exile-house", name="Exile House", description="Beds.")
    lars = make_statistic(source, slug="lars")
    make_statistic(source, slug="other")

    # One statement citing records of two types: the trigger refreshes each table once.
    claim_rows(
        "INSERT INTO resources_citation (created_at, updated_at, source_id, content_type_id, "
        "object_id, locator, claim) VALUES "
        "(now(), now(), %s, %s, %s, 'p. 4', 'Finds housing for deserters in Astana.'), "
        "(now(), now(), %s, %s, %s, 'p. 2', 'Deserters counted at the Upper Lars crossing.')",
        [source.pk, content_type_id(ark), ark.pk, source.pk, content_type_id(lars), lars.pk],
    )

    assert slugs(api_client, ORGANIZATIONS, {"q": "deserters"}) == ["ark"]
    assert slugs(api_client, STATISTICS, {"q": "deserters"}) == ["lars"]
    assert search(api_client, {"q": "deserter"})["counts"] == no_matches(
        organization=1, statistic=1
    )


def test_search_claim_updated_by_raw_sql_finds_by_new_words_only(api_client, source):
    ark = cite(make_organization(source, slug="ark"), source, "p. 4", "Deserters in Astana.")
    make_organization(source, slug="free-space")
    make_organization(source, slug="exile-house")

    claim_rows(
        "UPDATE resources_citation SET claim = 'Volunteers in Tbilisi.' "
        "WHERE content_type_id = %s AND object_id = %s AND locator = 'p. 4'",
        [content_type_id(ark), ark.pk],
    )

    assert slugs(api_client, ORGANIZATIONS, {"q": "volunteers"}) == ["ark"]
    assert slugs(api_client, ORGANIZATIONS, {"q": "deserters"}) == []


def test_search_citation_moved_by_raw_sql_finds_its_new_record_only(api_client, source):
    ark = cite(make_organization(source, slug="ark"), source, "p. 4", "Deserters in Astana.")
    haven = make_organization(source, slug="haven")
    make_organization(source, slug="exile-house")

    claim_rows(
        "UPDATE resources_citation SET object_id = %s "
        "WHERE content_type_id = %s AND object_id = %s AND locator = 'p. 4'",
        [haven.pk, content_type_id(ark), ark.pk],
    )

    assert slugs(api_client, ORGANIZATIONS, {"q": "deserters"}) == ["haven"]


def test_search_claim_deleted_by_raw_sql_no_longer_finds_the_record(api_client, source):
    ark = cite(make_organization(source, slug="ark"), source, "p. 4", "Deserters in Astana.")
    cite(make_organization(source, slug="haven"), source, "p. 9", "Deserters in Almaty.")
    make_organization(source, slug="exile-house")

    claim_rows(
        "DELETE FROM resources_citation WHERE content_type_id = %s AND object_id = %s "
        "AND locator = 'p. 4'",
        [content_type_id(ark), ark.pk],
    )

    assert slugs(api_client, ORGANIZATIONS, {"q": "deserters"}) == ["haven"]
    assert slugs(api_client, ORGANIZATIONS, {"q": "Astana"}) == []


def test_search_words_split_across_two_claims_do_not_find_the_record(api_client, source):
    ark = cite(make_organization(source, slug="ark"), source, "p. 4", "Deserters in Astana.")
    cite(ark, source, "p. 9", "Volunteers in Tbilisi.")
    make_organization(source, slug="haven")
    make_organization(source, slug="exile-house")

    # Every word in one claim, as when each citation was searched on its own.
    assert slugs(api_client, ORGANIZATIONS, {"q": "deserters Astana"}) == ["ark"]
    assert slugs(api_client, ORGANIZATIONS, {"q": "deserters Tbilisi"}) == []
    assert search(api_client, {"q": "deserters Tbilisi"})["counts"] == no_matches()


def test_search_claim_of_an_outlets_channel_does_not_find_the_outlet(api_client, source):
    outlet = make_media_outlet(source, slug="echo")
    make_media_outlet(source, slug="rain")
    make_media_outlet(source, slug="holod")
    cite(outlet.channels.get(), source, "p. 7", "Streams from Riga every evening.")

    # A channel's citations back the channel; search reads the record's own citations.
    assert slugs(api_client, MEDIA_OUTLETS, {"q": "evening"}) == []


def test_search_name_match_ranks_above_description_match(api_client, source):
    make_organization(
        source, slug="helpdesk", name="Helpdesk", description="Works with Memorial in exile."
    )
    make_organization(source, slug="memorial", name="Memorial", description="Human rights.")
    make_organization(source, slug="ark", name="Ark", description="Housing.")

    assert slugs(api_client, ORGANIZATIONS, {"q": "Memorial"}) == ["memorial", "helpdesk"]


def test_search_with_ordering_orders_by_it_instead_of_rank(api_client, source):
    make_organization(
        source,
        slug="helpdesk",
        name="Helpdesk",
        description="Works with Memorial in exile.",
        founded_year=2022,
    )
    make_organization(
        source, slug="memorial", name="Memorial", description="Human rights.", founded_year=1989
    )
    make_organization(source, slug="ark", name="Ark", description="Housing.", founded_year=2000)

    assert slugs(api_client, ORGANIZATIONS, {"q": "Memorial", "ordering": "name"}) == [
        "helpdesk",
        "memorial",
    ]
    assert slugs(api_client, ORGANIZATIONS, {"q": "Memorial", "ordering": "-founded_year"}) == [
        "helpdesk",
        "memorial",
    ]
    assert slugs(api_client, ORGANIZATIONS, {"q": "Memorial", "ordering": "founded_year"}) == [
        "memorial",
        "helpdesk",
    ]


def test_search_combined_with_filter_keeps_matches_passing_it(api_client, source):
    lithuania, georgia = Country.objects.get(code="LT"), Country.objects.get(code="GE")
    make_organization(source, slug="hub-unplaced", name="Hub", description="An exile hub.")
    make_organization(
        source, slug="hub-vilnius", name="Vilnius", description="An exile hub.", country=lithuania
    )
    make_organization(
        source, slug="hub-tbilisi", name="Tbilisi", description="An exile hub.", country=georgia
    )
    make_organization(
        source, slug="club-vilnius", name="Club", description="Sports.", country=lithuania
    )

    assert slugs(api_client, ORGANIZATIONS, {"q": "hub", "country": "lt"}) == ["hub-vilnius"]


def test_search_combined_with_distinct_filter_keeps_each_match_once(api_client, source):
    it = make_exile_group(source, slug="it-specialists")
    journalists = make_exile_group(source, slug="journalists")
    make_organization(
        source, slug="both", name="Both", description="An exile hub."
    ).exile_groups.set([it, journalists])
    make_organization(
        source, slug="hub-it", name="Hub for IT", description="An exile hub."
    ).exile_groups.set([it])
    make_organization(source, slug="none", name="None", description="An exile hub.")
    make_organization(source, slug="club", name="Club", description="Sports.").exile_groups.set(
        [it, journalists]
    )

    params = {"q": "hub", "exile_group": "it-specialists,journalists"}
    assert slugs(api_client, ORGANIZATIONS, params) == ["hub-it", "both"]


def test_search_media_outlets_filtered_by_platform_keeps_each_match_once(api_client, source):
    wave = make_media_outlet(source, slug="wave", name="Wave", description="Exile news.")
    cite(wave.channels.create(platform="telegram"), source)
    make_media_outlet(source, slug="echo", name="Echo", description="Exile news.")
    make_media_outlet(source, slug="crafts", name="Crafts", description="Knitting.")

    # Equal ranks: the earlier record first.
    params = {"q": "news", "platform": "youtube,telegram"}
    assert slugs(api_client, MEDIA_OUTLETS, params) == ["wave", "echo"]


def make_three_organizations(source):
    make_organization(source, slug="memorial", name="Memorial", description="Human rights.")
    make_organization(source, slug="ark", name="Ark", description="Housing.")
    make_organization(source, slug="shelter-point", name="Shelter Point", description="Cots.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a & | ! ( ) : *", []),
        ("rights & | ! ( ) : *", ["memorial"]),
        ("!(housing):* |", ["ark"]),
        ("human <-> rights", ["memorial"]),
        ("'cots' \\ \"", ["shelter-point"]),
        ("foo_bar", []),
    ],
)
def test_search_with_query_operators_around_words_is_200_with_word_matches(
    api_client, source, text, expected
):
    make_three_organizations(source)

    assert slugs(api_client, ORGANIZATIONS, {"q": text}) == expected
    hits = search(api_client, {"q": text})["results"]
    assert [hit["key"] for hit in hits] == expected


WORDLESS_QUERIES = ["&", "| |", "!", "((", ":*", "'", '"', "\\", "<->", "%", "!!! ???"]


@pytest.mark.parametrize("text", WORDLESS_QUERIES)
@pytest.mark.parametrize("url", [ORGANIZATIONS, STATISTICS])
def test_search_list_with_only_operators_is_200_with_no_results(api_client, source, url, text):
    make_three_organizations(source)
    make_statistic(source, slug="a")
    api_client.raise_request_exception = False

    response = api_client.get(url, {"q": text})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == []


@pytest.mark.parametrize("text", WORDLESS_QUERIES)
def test_search_everything_with_only_operators_is_200_with_no_hits(api_client, source, text):
    make_three_organizations(source)
    api_client.raise_request_exception = False

    response = api_client.get(SEARCH, {"q": text})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["counts"] == no_matches()
    assert response.json()["results"] == []


@pytest.mark.parametrize("url", [ORGANIZATIONS, SEARCH])
def test_search_with_nul_character_is_400_naming_q(api_client, source, url):
    make_organization(source, slug="memorial", name="Memorial")
    api_client.raise_request_exception = False

    response = api_client.get(url, {"q": "Memorial\x00"})

    assert list(field_errors(response)) == ["q"]


@pytest.mark.parametrize("url", [ORGANIZATIONS, STATISTICS, POLICIES, SEARCH])
def test_search_longer_than_200_characters_is_400_naming_q(api_client, db, url):
    response = api_client.get(url, {"q": "x" * 201})

    assert field_errors(response) == {"q": ["At most 200 characters."]}


def test_search_of_exactly_200_characters_is_accepted(api_client, source):
    make_organization(source, slug="memorial", name="Memorial")
    text = "m" * 200

    assert slugs(api_client, ORGANIZATIONS, {"q": text}) == []
    assert search(api_client, {"q": text})["counts"] == no_matches()


# /search/ --------------------------------------------------------------------------------


def make_vilnius_records(source):
    """One record of each type mentioning Vilnius, next to records that do not."""
    records = {
        "organization": make_organization(
            source,
            slug="vilnius-exile-house",
            name="Vilnius Exile House",
            description="A house for exiles in Vilnius.",
            city="Vilnius",
        ),
        "media_outlet": make_media_outlet(
            source, slug="baltic-wave", name="Baltic Wave", city="Vilnius"
        ),
        "policy": make_policy(
            source,
            slug="lt-residence",
            country=Country.objects.get(code="LT"),
            title="Residence permits",
            summary="Permits issued by the migration office in Vilnius.",
        ),
        "exile_group": make_exile_group(
            source,
            slug="journalists",
            name="Journalists",
            description="Many of them settled in Vilnius.",
        ),
        "statistic": make_statistic(
            source, slug="lt-arrivals", notes="Registered by the Vilnius city office."
        ),
        "source": make_source(
            slug="interviews", title="Interviews", notes="Interviews recorded in Vilnius."
        ),
    }
    make_organization(source, slug="free-space", name="Free Space", city="Riga")
    make_media_outlet(source, slug="tbilisi-now", name="Tbilisi Now", city="Tbilisi")
    make_policy(source, slug="am-firms")
    make_exile_group(source, slug="it-specialists", name="IT specialists")
    make_statistic(source, slug="ge-arrivals")
    make_source(slug="another", title="Another source")
    return records


def test_search_everything_counts_matches_per_type(api_client, source):
    make_vilnius_records(source)

    body = search(api_client, {"q": "Vilnius"})

    assert body["query"] == "Vilnius"
    assert body["counts"] == no_matches(
        exile_group=1, source=1, statistic=1, media_outlet=1, organization=1, policy=1
    )


def test_search_everything_mixes_types_best_first(api_client, source):
    make_vilnius_records(source)

    results = search(api_client, {"q": "Vilnius"})["results"]

    assert sorted((hit["type"], hit["key"]) for hit in results) == [
        ("exile_group", "journalists"),
        ("media_outlet", "baltic-wave"),
        ("organization", "vilnius-exile-house"),
        ("policy", "lt-residence"),
        ("source", "interviews"),
        ("statistic", "lt-arrivals"),
    ]
    ranks = [hit["rank"] for hit in results]
    assert ranks == sorted(ranks, reverse=True)
    # Its name, city and description all say Vilnius: nothing else comes close.
    assert results[0]["key"] == "vilnius-exile-house"
    assert ranks[0] > ranks[1]


def test_search_everything_hit_has_type_id_key_name_snippet_url_rank(api_client, source):
    records = make_vilnius_records(source)
    organization = records["organization"]

    hit = search(api_client, {"q": "Vilnius", "type": "organization"})["results"][0]

    assert set(hit) == {"type", "id", "key", "name", "snippet", "url", "rank"}
    assert hit["type"] == "organization"
    assert hit["id"] == organization.pk
    assert hit["key"] == "vilnius-exile-house"
    assert hit["name"] == "Vilnius Exile House"
    assert hit["snippet"] == "A house for exiles in <mark>Vilnius</mark>."
    assert hit["url"] == absolute(
        reverse("organization-detail", kwargs={"slug": "vilnius-exile-house"})
    )
    assert isinstance(hit["rank"], float)
    assert hit["rank"] > 0


def test_search_everything_hit_urls_point_at_each_records_detail(api_client, source):
    records = make_vilnius_records(source)

    results = search(api_client, {"q": "Vilnius"})["results"]

    assert {hit["type"]: (hit["id"], hit["key"], hit["url"]) for hit in results} == {
        "exile_group": (
            records["exile_group"].pk,
            "journalists",
            absolute(reverse("exile-group-detail", kwargs={"slug": "journalists"})),
        ),
        "source": (
            records["source"].pk,
            "interviews",
            absolute(reverse("source-detail", kwargs={"pk": records["source"].pk})),
        ),
        "statistic": (
            records["statistic"].pk,
            "lt-arrivals",
            absolute(reverse("statistic-detail", kwargs={"pk": records["statistic"].pk})),
        ),
        "media_outlet": (
            records["media_outlet"].pk,
            "baltic-wave",
            absolute(reverse("media-outlet-detail", kwargs={"slug": "baltic-wave"})),
        ),
        "organization": (
            records["organization"].pk,
            "vilnius-exile-house",
            absolute(reverse("organization-detail", kwargs={"slug": "vilnius-exile-house"})),
        ),
        "policy": (
            records["policy"].pk,
            "lt-residence",
            absolute(reverse("policy-detail", kwargs={"pk": records["policy"].pk})),
        ),
    }
    for hit in results:
        assert api_client.get(hit["url"]).status_code == HTTPStatus.OK


def test_search_everything_country_hit_is_keyed_by_code(api_client, db):
    results = search(api_client, {"q": "Lithuania"})["results"]

    assert [(hit["type"], hit["id"], hit["key"], hit["name"]) for hit in results] == [
        ("country", None, "LT", "Lithuania")
    ]
    assert results[0]["url"] == absolute(reverse("country-detail", kwargs={"code": "LT"}))


def test_search_everything_restricted_by_type_returns_only_those_types(api_client, source):
    make_vilnius_records(source)

    body = search(api_client, {"q": "Vilnius", "type": "policy,organization"})

    assert body["counts"] == {"policy": 1, "organization": 1}
    assert [hit["key"] for hit in body["results"]] == ["vilnius-exile-house", "lt-residence"]


@pytest.mark.parametrize("value", ["person", "organization,person", "organizations", ","])
def test_search_everything_by_unknown_type_is_400_naming_type(api_client, db, value):
    response = api_client.get(SEARCH, {"q": "Vilnius", "type": value})

    assert list(field_errors(response)) == ["type"]


def test_search_everything_limit_keeps_the_best_hits(api_client, source):
    make_vilnius_records(source)
    everything = search(api_client, {"q": "Vilnius"})["results"]

    body = search(api_client, {"q": "Vilnius", "limit": 2})

    assert body["results"] == everything[:2]
    assert body["counts"]["organization"] == 1
    assert sum(body["counts"].values()) == 6
    assert len(search(api_client, {"q": "Vilnius", "limit": 1})["results"]) == 1
    assert len(search(api_client, {"q": "Vilnius", "limit": 100})["results"]) == 6


BAD_LIMITS = [
    "0",
    "101",
    "1000",
    "x",
    "-1",
    "2.5",
    "1.5",
    "1.0",
    "",
    "²",  # str.isdigit() is true for it, int() fails on it
    "٣",  # Arabic-Indic three: int() takes it
    "\uff15",  # fullwidth five: int() takes it
    " 5",
    "5 ",
    "+5",
    "1_0",
    "0x10",
    "1" * 20,  # more digits than 100 has: never reaches int()
]


@pytest.mark.parametrize("value", BAD_LIMITS)
def test_search_everything_with_bad_limit_is_400_naming_limit(api_client, db, value):
    api_client.raise_request_exception = False

    response = api_client.get(SEARCH, {"q": "Vilnius", "limit": value})

    assert field_errors(response) == {"limit": ["A whole number from 1 to 100."]}


def test_search_everything_with_superscript_two_as_limit_in_url_is_400(api_client, db):
    api_client.raise_request_exception = False

    response = api_client.get(f"{SEARCH}?q=Vil&limit=%C2%B2")

    assert field_errors(response) == {"limit": ["A whole number from 1 to 100."]}


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("06", 6), ("100", 6)])
def test_search_everything_with_ascii_digits_limit_returns_that_many(
    api_client, source, value, expected
):
    make_vilnius_records(source)

    assert len(search(api_client, {"q": "Vilnius", "limit": value})["results"]) == expected


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"type": "organization"}])
def test_search_everything_without_q_is_400_naming_q(api_client, db, params):
    response = api_client.get(SEARCH, params)

    assert field_errors(response) == {"q": ["This parameter is required."]}


def test_search_everything_russian_query_finds_russian_names(api_client, source):
    make_exile_group(
        source,
        slug="liberal-intelligentsia",
        name="Liberal intelligentsia",
        name_ru="Либеральная интеллигенция",
    )
    make_exile_group(source, slug="journalists", name="Journalists", name_ru="Журналисты")

    body = search(api_client, {"q": "интеллигенции"})

    assert body["counts"] == no_matches(exile_group=1)
    assert [hit["key"] for hit in body["results"]] == ["liberal-intelligentsia"]


def make_matching_records(source, count, start=0):
    """``count`` records of each creatable type, all matching the word 'kolkhoz'."""
    for number in range(start, start + count):
        text = f"Kolkhoz record {number}."
        group = make_exile_group(source, slug=f"group-{number}", description=text)
        make_source(slug=f"source-{number}", title=f"Kolkhoz study {number}", notes=text)
        make_statistic(source, slug=f"statistic-{number}", notes=text, exile_group=group)
        organization = make_organization(
            source, slug=f"organization-{number}", name=f"Kolkhoz {number}", description=text
        )
        make_media_outlet(
            source,
            slug=f"outlet-{number}",
            name=f"Kolkhoz news {number}",
            description=text,
            affiliated_organization=organization,
        )
        make_policy(source, slug=f"policy-{number}", summary=text, effective_from=date(2022, 1, 1))


def test_search_everything_query_count_is_independent_of_matches(api_client, source):
    make_matching_records(source, 3)
    search(api_client, {"q": "kolkhoz"})  # warms the content-type cache

    with CaptureQueriesContext(connection) as few:
        small = search(api_client, {"q": "kolkhoz", "limit": 100})
    make_matching_records(source, 27, start=3)
    with CaptureQueriesContext(connection) as many:
        large = search(api_client, {"q": "kolkhoz", "limit": 100})

    assert small["counts"] == no_matches(
        exile_group=3, source=3, statistic=3, media_outlet=3, organization=3, policy=3
    )
    assert large["counts"] == no_matches(
        exile_group=30, source=30, statistic=30, media_outlet=30, organization=30, policy=30
    )
    assert len(small["results"]) == 18
    assert len(large["results"]) == 100
    assert len(few) == len(many)


# /search/ in Russian -----------------------------------------------------------------------


def make_translated_records(source):
    """A record of each type with a Russian name or title, all matching 'zebraword', and one
    organization without a Russian name; sources and statistics have no Russian names."""
    Country.objects.filter(code="LT").update(name_ru="Литва")
    make_exile_group(
        source,
        slug="journalists",
        name="Journalists",
        name_ru="Журналисты",
        description="Zebraword journalists.",
    )
    make_media_outlet(
        source,
        slug="wave",
        name="Baltic Wave",
        name_ru="Балтийская волна",
        description="Zebraword.",
    )
    make_organization(
        source, slug="ark", name="Ark", name_ru="Ковчег", description="Zebraword shelter."
    )
    make_organization(source, slug="free-space", name="Free Space", description="Zebraword hub.")
    make_policy(
        source,
        slug="lt-residence",
        title="Residence permits",
        title_ru="Виды на жительство",
        summary="Zebraword permits.",
    )
    make_source(slug="interviews", title="Interviews", notes="Zebraword interviews.")
    make_statistic(source, slug="lt-arrivals", notes="Zebraword arrivals.")


def names(body):
    return {(hit["type"], hit["key"]): hit["name"] for hit in body["results"]}


RUSSIAN = [{"lang": "ru"}, {"HTTP_ACCEPT_LANGUAGE": "ru"}, {"HTTP_ACCEPT_LANGUAGE": "ru-RU"}]


@pytest.mark.parametrize("how", RUSSIAN)
def test_search_everything_in_russian_names_hits_in_russian(api_client, source, how):
    make_translated_records(source)
    headers = {key: value for key, value in how.items() if key.startswith("HTTP_")}
    params = {"q": "zebraword"} | {key: value for key, value in how.items() if key == "lang"}

    response = api_client.get(SEARCH, params, **headers)

    assert response.status_code == HTTPStatus.OK, response.json()
    assert names(response.json()) == {
        ("exile_group", "journalists"): "Журналисты",
        ("media_outlet", "wave"): "Балтийская волна",
        ("organization", "ark"): "Ковчег",
        ("organization", "free-space"): "Free Space",  # no Russian name: English
        ("policy", "lt-residence"): "Виды на жительство",
        ("source", "interviews"): "Interviews",  # sources have no Russian titles
        ("statistic", "lt-arrivals"): "lt-arrivals",
    }


@pytest.mark.parametrize("how", RUSSIAN)
def test_search_everything_in_russian_names_countries_in_russian(api_client, db, how):
    Country.objects.filter(code="LT").update(name_ru="Литва")
    headers = {key: value for key, value in how.items() if key.startswith("HTTP_")}
    params = {"q": "Lithuania"} | {key: value for key, value in how.items() if key == "lang"}

    response = api_client.get(SEARCH, params, **headers)

    assert response.status_code == HTTPStatus.OK, response.json()
    assert [(hit["type"], hit["key"], hit["name"]) for hit in response.json()["results"]] == [
        ("country", "LT", "Литва")
    ]


def test_search_everything_in_russian_for_country_without_russian_name_is_english(api_client, db):
    Country.objects.filter(code="LT").update(name_ru="")

    body = search(api_client, {"q": "Lithuania", "lang": "ru"})

    assert [hit["name"] for hit in body["results"]] == ["Lithuania"]


@pytest.mark.parametrize(
    "how", [{}, {"lang": "en"}, {"HTTP_ACCEPT_LANGUAGE": "en"}, {"HTTP_ACCEPT_LANGUAGE": "de"}]
)
def test_search_everything_otherwise_names_hits_in_english(api_client, source, how):
    make_translated_records(source)
    headers = {key: value for key, value in how.items() if key.startswith("HTTP_")}
    params = {"q": "zebraword"} | {key: value for key, value in how.items() if key == "lang"}

    response = api_client.get(SEARCH, params, **headers)

    assert response.status_code == HTTPStatus.OK, response.json()
    assert names(response.json()) == {
        ("exile_group", "journalists"): "Journalists",
        ("media_outlet", "wave"): "Baltic Wave",
        ("organization", "ark"): "Ark",
        ("organization", "free-space"): "Free Space",
        ("policy", "lt-residence"): "Residence permits",
        ("source", "interviews"): "Interviews",
        ("statistic", "lt-arrivals"): "lt-arrivals",
    }
    assert search(api_client, {"q": "Lithuania"})["results"][0]["name"] == "Lithuania"


# /search/ snippets -------------------------------------------------------------------------


def snippets(client, text):
    return {hit["key"]: hit["snippet"] for hit in search(client, {"q": text})["results"]}


def test_search_everything_snippet_escapes_stored_html_and_keeps_marks(api_client, source):
    make_organization(
        source, slug="a", name="A", description="<img src=x onerror=alert(1)> zebraword"
    )
    make_source(slug="s", title="T", notes="Quotes \"zebraword\" & 'zebraword' <3")

    assert snippets(api_client, "zebraword") == {
        "a": "&lt;img src=x onerror=alert(1)&gt; <mark>zebraword</mark>",
        "s": (
            "Quotes &quot;<mark>zebraword</mark>&quot; &amp; "
            "&#x27;<mark>zebraword</mark>&#x27; &lt;3"
        ),
    }


def test_search_everything_snippet_cannot_forge_marks_or_tags(api_client, source):
    # PostgreSQL's ts_headline drops what it parses as tags; whatever it keeps is escaped.
    make_organization(
        source,
        slug="b",
        name="B",
        description="Fake <mark>zebraword</mark> [[mark-x]] <script>alert(1)</script>",
    )

    snippet = snippets(api_client, "zebraword")["b"]

    assert snippet == "Fake  <mark>zebraword</mark>  [[mark-x]]  alert(1) "
    assert snippet.count("<") == 2  # our <mark> and </mark>, nothing else


def test_search_everything_snippet_of_plain_text_is_unchanged_but_marked(api_client, source):
    make_organization(source, slug="c", name="C", description="Shelter for zebraword exiles.")

    assert snippets(api_client, "zebraword") == {"c": "Shelter for <mark>zebraword</mark> exiles."}

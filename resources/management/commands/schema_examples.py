"""Write the OpenAPI description's response examples: the API's own answers on the seed data.

    python manage.py load_seed && python manage.py schema_examples

Reads each public GET the description documents (a page of one record, the first record,
a country profile, a summary, a search, the changes feed, a history) from the database as it
is, anonymously (a source's ``cited_by`` cut to its first three), and writes them to
resources/data/openapi_examples.json, keyed by operationId. resources.api.schema attaches each to
its operation's 200 response. Host names become ``api.example.org``: an example, not an
address to call.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from resources.api.schema import EXAMPLE_HOST, EXAMPLES_FILE

CITED_BY_SHOWN = 3
# operationId: the URL whose answer is its example; {first} is the first record's key in
# the list of the same resource.
LISTS = {
    "countries": "code",
    "exile-groups": "slug",
    "sources": "id",
    "statistics": "id",
    "media-outlets": "slug",
    "organizations": "slug",
    "policies": "id",
}
OTHERS = {
    "countries_profile": "/api/v1/countries/AM/profile/?as_of=2023-01-01",
    "statistics_summary": "/api/v1/statistics/summary/?destination=AM",
    "search": "/api/v1/search/?q=Armenia&limit=3",
    "changes_list": "/api/v1/changes/?limit=1",
    "statistics_history_list": "/api/v1/statistics/{statistics}/history/?limit=1",
}


class Command(BaseCommand):
    help = "Write resources/data/openapi_examples.json from the API's answers on this database."

    def handle(self, *args, **options):
        client = Client(HTTP_HOST="localhost")
        examples, firsts = {}, {}
        for resource, key in LISTS.items():
            page = self.get(client, f"/api/v1/{resource}/?limit=1")
            if not page["results"]:
                raise CommandError(f"No {resource} in the database: run load_seed first.")
            name = resource.replace("-", "_")
            examples[f"{name}_list"] = page
            firsts[resource] = page["results"][0][key]
            examples[f"{name}_retrieve"] = self.get(
                client, f"/api/v1/{resource}/{firsts[resource]}/"
            )
        for operation, url in OTHERS.items():
            examples[operation] = self.get(client, url.format(**firsts))
        # A source's detail lists every citation of it: three show the shape.
        cited_by = examples["sources_retrieve"]["cited_by"]
        examples["sources_retrieve"]["cited_by"] = cited_by[:CITED_BY_SHOWN]
        text = json.dumps(examples, ensure_ascii=False, indent=1, sort_keys=False)
        text = text.replace("http://localhost/", f"https://{EXAMPLE_HOST}/")
        Path(EXAMPLES_FILE).write_text(text + "\n", encoding="utf-8")
        self.stdout.write(f"{len(examples)} examples written to {EXAMPLES_FILE}")

    def get(self, client, url):
        response = client.get(url, HTTP_ACCEPT="application/json")
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}")
        return response.json()

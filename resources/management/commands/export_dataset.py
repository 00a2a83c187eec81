import json
from pathlib import Path

from django.core.management.base import BaseCommand

from resources.dataset import export_dataset


class Command(BaseCommand):
    help = (
        "Write the whole dataset as JSON, keyed by codes and slugs (never database ids), in the "
        "shape import_dataset and load_seed read: importing it into an empty database "
        "reproduces the data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, output, **options):
        text = json.dumps(export_dataset(), ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)

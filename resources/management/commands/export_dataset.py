import json
from pathlib import Path

from django.core.management.base import BaseCommand

from resources.dataset import export_dataset


class Command(BaseCommand):
    help = (
        "Write the dataset as JSON, keyed by codes and slugs (never database ids), in the shape "
        "import_dataset and load_seed read. By default the public export: published records "
        "only, without contact details or internal notes. With --full, a backup: every record, "
        "with its workflow status and sensitive fields; importing it into an empty database "
        "reproduces the data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Every record, drafts and sensitive fields included (keep it private).",
        )

    def handle(self, *args, output, full=False, **options):
        text = json.dumps(export_dataset(full=full), ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)

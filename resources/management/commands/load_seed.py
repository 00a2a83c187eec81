from django.core.management.base import BaseCommand, CommandError

from resources.dataset import SEED_FILE, DatasetError, load_dataset, read_dataset


class Command(BaseCommand):
    help = (
        "Load the seed dataset (resources/data/seed.yaml) or another file of the same shape. "
        "Idempotent: records already as the file says are left untouched. All-or-nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(SEED_FILE), help="Dataset file (YAML or JSON).")

    def handle(self, *args, file, **options):
        try:
            report = load_dataset(data=read_dataset(file))
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)

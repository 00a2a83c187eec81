from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from resources.choices import ChangeChannel, PublicationStatus
from resources.dataset import SEED_FILE, DatasetError, LoadContext, load_dataset, read_dataset


class Command(BaseCommand):
    help = (
        "Load the seed dataset (resources/data/seed.yaml) or another file of the same shape. "
        "Idempotent: records already as the file says are left untouched. All-or-nothing. "
        "The seed was fact-checked against its source: its new records are published."
    )
    channel = ChangeChannel.COMMAND
    default_status = PublicationStatus.PUBLISHED

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(SEED_FILE), help="Dataset file (YAML or JSON).")
        parser.add_argument(
            "--user", help="Username the change history credits with the load (default: none)."
        )

    def handle(self, *args, file, user=None, status=None, **options):
        context = LoadContext(
            status=status or self.default_status,
            channel=self.channel,
            user=self.user(user),
            reason=f"manage.py {self.name()} {file}",
        )
        try:
            report = load_dataset(data=read_dataset(file), context=context)
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)

    def name(self):
        return self.__module__.rsplit(".", 1)[-1]

    def user(self, username):
        if username is None:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user '{username}'.") from None

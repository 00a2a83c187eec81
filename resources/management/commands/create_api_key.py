from datetime import UTC, datetime, time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from resources.choices import ApiKeyScope
from resources.models import ApiKey


class Command(BaseCommand):
    help = (
        "Create an API key for an app and print it once (only its hash is stored). The key "
        "acts for --owner and can never do more than that user may."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="What the key is for, e.g. the app.")
        parser.add_argument("--owner", required=True, help="Username the key acts for.")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            choices=ApiKeyScope.values,
            help="A scope (repeat for several); without --scope the key only reads.",
        )
        parser.add_argument("--expires", help="Expiry date, YYYY-MM-DD (end of that day, UTC).")

    def handle(self, *args, name, owner, scope, expires, **options):
        try:
            user = get_user_model().objects.get(username=owner)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {owner!r}.") from None
        expiry = None
        if expires:
            try:
                day = datetime.strptime(expires, "%Y-%m-%d").date()
            except ValueError:
                raise CommandError("--expires must be a date as YYYY-MM-DD.") from None
            expiry = datetime.combine(day, time.max, tzinfo=UTC)
        _key, secret = ApiKey.objects.create_key(
            name=name, owner=user, scopes=sorted(set(scope)), expiry_date=expiry
        )
        self.stdout.write(secret)
        self.stderr.write("Store this key now: it is not shown again.")

from resources.choices import ChangeChannel, PublicationStatus
from resources.management.commands import load_seed


class Command(load_seed.Command):
    """load_seed with the file as a required argument: the same validation, report and errors."""

    help = (
        "Load a dataset file (JSON, as export_dataset writes it, or YAML), validating every "
        "record as the API would. Idempotent: records already as the file says are left "
        "untouched. All-or-nothing: on any error nothing is written and the first errors are "
        "listed with their location. New records are drafts, to be reviewed, unless --status "
        "or the file's own publication_status (a full export's) says otherwise."
    )
    channel = ChangeChannel.IMPORT
    default_status = PublicationStatus.DRAFT

    def add_arguments(self, parser):
        parser.add_argument("file", help="Dataset file (.json as JSON, anything else as YAML).")
        parser.add_argument(
            "--user", help="Username the change history credits with the import (default: none)."
        )
        parser.add_argument(
            "--status",
            choices=[PublicationStatus.DRAFT, PublicationStatus.PUBLISHED],
            default=PublicationStatus.DRAFT,
            help="Status of new records that the file gives none (default: draft).",
        )

from resources.management.commands import load_seed


class Command(load_seed.Command):
    """load_seed with the file as a required argument: the same validation, report and errors."""

    help = (
        "Load a dataset file (JSON, as export_dataset writes it, or YAML), validating every "
        "record as the API would. Idempotent: records already as the file says are left "
        "untouched. All-or-nothing: on any error nothing is written and the first errors are "
        "listed with their location."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Dataset file (.json as JSON, anything else as YAML).")

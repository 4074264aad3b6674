from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm_project.errors import BusinessError
from customers.grading.jobs import recompute_grades


def parse_as_of(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of must be a date YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = "Grade every active store as of a date (default: today), e.g. for back-testing."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today, Asia/Shanghai)")

    def handle(self, *args, as_of=None, **options):
        try:
            run = recompute_grades(as_of=parse_as_of(as_of))
        except BusinessError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"Graded {run.stores_processed} stores as of {run.as_of}: "
            f"{run.details['grades']}, {run.changes} grade changes, "
            f"{run.details['customers_updated']} stores updated "
            f"(window {run.details['window'][0]} .. {run.details['window'][1]})."
        )

from django.core.management.base import BaseCommand, CommandError

from crm_project.errors import BusinessError
from customers.grading.jobs import scan_churn

from .recompute_grades import parse_as_of


class Command(BaseCommand):
    help = "Raise, refresh and resolve churn warnings as of a date (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today, Asia/Shanghai)")

    def handle(self, *args, as_of=None, **options):
        try:
            run = scan_churn(as_of=parse_as_of(as_of))
        except BusinessError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"Scanned {run.stores_processed} stores as of {run.as_of}: "
            f"{run.details['raised']} raised, {run.details['refreshed']} refreshed, "
            f"{run.details['resolved']} resolved; holding {run.details['holding']}."
        )

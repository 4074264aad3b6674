from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.keyaccounts import propose_key_accounts


class Command(BaseCommand):
    help = "Propose the key accounts (大客户) of a month from the admins' criteria."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the current month)")

    def handle(self, *args, month=None, **options):
        try:
            first = (date.fromisoformat(f"{month}-01") if month
                     else timezone.localdate().replace(day=1))
        except ValueError as error:
            raise CommandError(f"--month must be YYYY-MM, not {month!r}") from error
        created = propose_key_accounts(month=first)
        self.stdout.write(f"{created} key accounts proposed for {first:%Y-%m}")

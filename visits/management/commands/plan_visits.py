"""Regenerate visit plans from the command line (what the weekly Celery task does)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from customers.selectors import active_managers
from visits.services import plan_generate


class Command(BaseCommand):
    help = "Plan the coming weeks of one customer manager, or of all of them."

    def add_arguments(self, parser):
        parser.add_argument("--manager", help="Username of one manager (default: all).")
        parser.add_argument("--first-day", type=date.fromisoformat,
                            help="First day of the plan, YYYY-MM-DD (default: today).")

    def handle(self, *args, manager, first_day, **options):
        managers = active_managers()
        if manager:
            managers = managers.filter(username=manager)
            if not managers.exists():
                raise CommandError(f"No active customer manager called {manager!r}.")
        for user in managers:
            outcome = plan_generate(manager=user, user=user, first_day=first_day)
            self.stdout.write(f"{user.username}: {outcome.stops_created} stops planned, "
                              f"{outcome.stops_kept} kept, {outcome.missed} missed.")
            for item in outcome.unplaced:
                self.stdout.write(f"  not planned: {item.message}")

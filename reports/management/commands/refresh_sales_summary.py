from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import services


def _month(value: str):
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(_("Not a month in the form YYYY-MM: %(value)s")
                           % {"value": value}) from error


class Command(BaseCommand):
    help = ("Rebuild the monthly sales summary from the confirmed order lines: the given "
            "months, every month with orders (--all), or else this month and the last.")

    def add_arguments(self, parser):
        parser.add_argument("--month", action="append", default=[],
                            help="YYYY-MM; may be given several times")
        parser.add_argument("--all", action="store_true",
                            help="every month that has orders, from scratch")

    def handle(self, *args, month, all, **options):
        started = timezone.now()
        if all:
            written = services.sales_summary_rebuild()
        else:
            months = [_month(value) for value in month]
            if not months:
                this_month = services.month_start(timezone.localdate())
                months = [services.add_months(this_month, -1), this_month]
            written = services.sales_summary_refresh(months=months)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(_("Sales summary: %(rows)d rows written in %(seconds).1f s")
                          % {"rows": written, "seconds": seconds})

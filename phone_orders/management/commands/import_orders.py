"""python manage.py import_orders FILE: historical order lines from CSV or Excel."""

import time

from django.core.management.base import BaseCommand, CommandError

from crm_project.errors import BusinessError
from phone_orders.imports import COLUMNS, import_orders


class Command(BaseCommand):
    help = ("Import historical orders, one row per order line with columns "
            + ", ".join(COLUMNS) + ". A file with any bad row imports nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        started = time.perf_counter()
        try:
            result = import_orders(file, progress=lambda stage, percent: self.stdout.write(
                f"  {stage} {percent}%"))
        except BusinessError as error:
            raise CommandError(str(error)) from error
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"row {error['row']}, {error['column']}: {error['reason']}")
            raise CommandError(f"{result.bad_rows} bad rows of {result.total_rows}; "
                               "nothing imported.")
        for row in result.supplementary:
            self.stdout.write(f"row {row['row']} supplementary: {row['reason']}")
        for skipped in result.skipped:
            self.stdout.write(f"row {skipped['row']} skipped: {skipped['reason']}")
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"{result.total_rows} rows: {result.orders_created} orders and "
            f"{result.lines_created} lines imported ({result.orders_supplementary} "
            f"supplementary orders), {result.orders_skipped} orders already "
            f"present, in {seconds:.1f} s."))

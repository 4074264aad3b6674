"""Recompute the stores' quotas of the tier allocations of the open cycles."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from phone_orders.allocations import allocations_recompute_open


class Command(BaseCommand):
    help = ("Recompute the quotas of every tier allocation of this cycle and later ones "
            "(after tiers or supply changed). Runs nightly after the grading.")

    def add_arguments(self, parser):
        parser.add_argument("--cycle", help="Only this cycle (any day of it, YYYY-MM-DD).")
        parser.add_argument("--sku", default="", help="Only this SKU code.")

    def handle(self, *args, cycle=None, sku="", **options):
        day = None
        if cycle:
            day = parse_date(cycle)
            if day is None:
                raise CommandError(f"--cycle: not a date: {cycle}")
        result = allocations_recompute_open(cycle_start=day, sku=sku)
        for row in result["recomputed"]:
            self.stdout.write(f"{row['allocation']}: {row['stores']} stores, "
                              f"{row['cartons']} / {row['available']} cartons")
        for row in result["refused"]:
            self.stderr.write(f"{row['allocation']}: refused: {row['reason']}")
        if result["refused"]:
            raise CommandError(f"{len(result['refused'])} allocations no longer fit the "
                               "supply; their quotas were kept.")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm_project.errors import BusinessError
from customers.importers import customers_import


class Command(BaseCommand):
    help = "Import stores from a CSV or Excel file: every row, or nothing if any row is bad."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and report, write nothing.")
        parser.add_argument("--confirm-moves", action="store_true",
                            help="Allow moving stores to another territory or manager.")

    def handle(self, *args, file, dry_run, confirm_moves, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            result = customers_import(content=path.read_bytes(), filename=path.name,
                                      dry_run=dry_run, confirm_moves=confirm_moves)
        except BusinessError as error:
            raise CommandError(error.message) from error
        if result.errors:
            for e in result.errors:
                self.stderr.write(f"row {e.row}, {e.column}: {e.message}")
            raise CommandError(f"{len(result.errors)} error(s) in {result.rows} rows; "
                               "nothing was imported.")
        for change in result.changed_stores:
            self.stdout.write(f"row {change.row}, {change.code}: " + "; ".join(
                f"{f.column} {f.old} -> {f.new}" for f in change.fields))
        if dry_run:
            self.stdout.write(f"{result.rows} rows checked, no errors (dry run, nothing written).")
        else:
            self.stdout.write(f"{result.rows} rows: {result.created} created, "
                              f"{result.updated} updated.")

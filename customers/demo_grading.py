"""Demo step: grade the demo stores and scan for churn as of today (after the orders demo
has written monthly purchases). Earlier months are graded first so that the store card has
a grade history and some grade changes to show."""

from django.utils import timezone

from crm_project.errors import BusinessError

from .churn import scan_churn
from .grading import add_months, month_start, recompute_grades


def seed_demo(*, rng, stdout) -> None:
    today = timezone.localdate()
    dates = [add_months(month_start(today), -back) for back in (3, 2, 1)] + [today]
    graded = 0
    for as_of in dates:
        try:
            run = recompute_grades(as_of=as_of)
        except BusinessError as skipped:
            stdout.write(f"Grading as of {as_of}: skipped ({skipped.message})")
            continue
        graded += 1
        stdout.write(f"Graded {run.stores_processed} stores as of {as_of}: "
                     f"{run.details['grades']}, {run.changes} grade changes.")
    run = scan_churn(as_of=today)
    stdout.write(f"Churn scan as of {today}: {run.details['raised']} warnings raised "
                 f"{run.details['holding']}.")

"""Demo step: grade the demo stores, train the churn model and scan for churn as of today
(after the orders demo has written monthly purchases). Earlier months are graded first so
that the store card has a grade history and some grade changes to show."""

from django.utils import timezone

from crm_project.errors import BusinessError

from .jobs import recompute_grades, scan_churn
from .rules import add_months, month_start
from .training import train_churn_model


def seed_demo(*, rng, stdout) -> None:
    today = timezone.localdate()
    dates = [add_months(month_start(today), -back) for back in (3, 2, 1)] + [today]
    for as_of in dates:
        try:
            run = recompute_grades(as_of=as_of)
        except BusinessError as skipped:
            stdout.write(f"Grading as of {as_of}: skipped ({skipped.message})")
            continue
        stdout.write(f"Graded {run.stores_processed} stores as of {as_of}: "
                     f"{run.details['grades']}, {run.changes} grade changes.")
    try:
        model = train_churn_model(as_of=today)
        stdout.write(f"Churn model v{model.version} ({model.status}): back-test AUC "
                     f"{model.metrics['model'].get('auc')} against "
                     f"{model.metrics['baseline'].get('auc')} for days since last order.")
    except BusinessError as skipped:
        stdout.write(f"Churn model: not trained ({skipped.message})")
    run = scan_churn(as_of=today)
    stdout.write(f"Churn scan as of {today}: {run.details['raised']} warnings raised "
                 f"{run.details['holding']}.")

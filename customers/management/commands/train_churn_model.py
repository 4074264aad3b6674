from django.core.management.base import BaseCommand, CommandError

from crm_project.errors import BusinessError
from customers.grading.training import train_churn_model

from .recompute_grades import parse_as_of


def _figure(value) -> str:
    return "—" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = ("Back-test and train the churn model as of a date (default: today); put it in "
            "service when it beats the baseline 'days since last order'.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today, Asia/Shanghai)")

    def handle(self, *args, as_of=None, **options):
        try:
            model = train_churn_model(as_of=parse_as_of(as_of))
        except BusinessError as error:
            raise CommandError(str(error.message)) from error
        figures, baseline = model.metrics.get("model", {}), model.metrics.get("baseline", {})
        self.stdout.write(
            f"Churn model v{model.version} as of {model.as_of} ({model.status}): "
            f"AUC {_figure(figures.get('auc'))} vs baseline {_figure(baseline.get('auc'))}; "
            f"precision {_figure(figures.get('precision'))} / recall "
            f"{_figure(figures.get('recall'))} at {model.threshold_percent} % "
            f"(baseline {_figure(baseline.get('precision'))} / "
            f"{_figure(baseline.get('recall'))}).\n{model.message}"
        )

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from reports.evaluation import scorecard
from reports.forms import parse_month


class Command(BaseCommand):
    help = ("Compute and freeze every manager's and clerk's scorecard of a month (default: "
            "the month just ended). A closed month is left as it is unless --reclose is "
            "given by an administrator (--user), which adds a version and keeps the earlier.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM")
        parser.add_argument("--reclose", action="store_true",
                            help="Close an already closed month again (a new version).")
        parser.add_argument("--user", help="The administrator's username (with --reclose).")

    def handle(self, *args, month=None, reclose=False, user=None, **options):
        try:
            wanted = parse_month(month, name="month",
                                 default=scorecard.month_to_close(timezone.localdate()))
            actor = None
            if reclose:
                if not user:
                    raise CommandError("--reclose needs --user (an administrator).")
                actor = get_user_model().objects.filter(username=user).first()
                if actor is None:
                    raise CommandError(f"No user {user!r}.")
            result = scorecard.evaluation_close(month=wanted, user=actor, reclose=reclose)
        except BusinessError as error:
            raise CommandError(error.message) from error
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        if result["created"]:
            self.stdout.write(_("%(month)s closed: version %(version)d, %(people)d people.")
                              % {"month": f"{wanted:%Y-%m}", "version": result["version"],
                                 "people": result["people"]})
        else:
            self.stdout.write(_("%(month)s was already closed (version %(version)d); "
                                "nothing changed.") % {"month": f"{wanted:%Y-%m}",
                                                       "version": result["version"]})

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self):
        from customers.cards import register_card_block
        from customers.grading.features import register_churn_features

        from .churn_features import COLUMNS, visits_at
        from .templatetags.visits import customer_visits_card

        register_card_block("visits/_customer_card_block.html", customer_visits_card, order=30)
        # A store never visited has no "days since": the model takes it as missing.
        register_churn_features("visits", COLUMNS, visits_at,
                                defaults={"visits_8_weeks": 0})

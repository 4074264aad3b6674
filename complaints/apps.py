from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _from_phone(*, customer, user) -> dict:
    return {"channel": "phone"}


def _from_visit(*, customer, user) -> dict:
    return {"channel": "visit"}  # the visit itself is the visit page's `visit`


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        # The store card, the phone console and the visit log show complaints through
        # the slots customers offers; the apps below complaints never name it.
        from customers.cards import register_card_block
        from customers.grading.features import register_churn_features

        from .churn_features import COLUMNS, open_complaints_at
        from .selectors import customer_card_complaints
        from .surveys import satisfaction_card_context, survey_block_context

        register_card_block("complaints/_customer_card_alert.html", slot="alerts", order=40)
        register_card_block("complaints/_customer_card_block.html", customer_card_complaints,
                            order=40)
        register_card_block("complaints/_intake_link.html", _from_phone, slot="console",
                            order=40)
        register_card_block("complaints/_customer_card_intake.html", _from_visit,
                            slot="visit", order=40)
        # Open complaints are churn model features, without customers naming complaints.
        register_churn_features("complaints", COLUMNS, open_complaints_at,
                                defaults={column: 0 for column in COLUMNS})
        register_card_block("complaints/_satisfaction_card.html", satisfaction_card_context,
                            order=45)
        register_card_block("complaints/_survey_block.html", survey_block_context,
                            slot="console", order=45)
        register_card_block("complaints/_survey_block.html", survey_block_context,
                            slot="visit", order=45)

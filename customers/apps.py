from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, **kwargs):
    from .roles import role_groups_sync

    role_groups_sync()


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        # Groups need the permissions that post_migrate creates, so they are synced after
        # every migrate rather than in a data migration.
        post_migrate.connect(_sync_role_groups, sender=self,
                             dispatch_uid="customers.sync_role_groups")
        from .cards import register_card_block
        from .care import card_guidance, console_guidance, visit_guidance

        register_card_block("customers/care/_guidance.html", card_guidance, order=15)
        register_card_block("customers/care/_guidance_compact.html", console_guidance,
                            order=10, slot="console")
        register_card_block("customers/care/_guidance_compact.html", visit_guidance,
                            order=10, slot="visit")

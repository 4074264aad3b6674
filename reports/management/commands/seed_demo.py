"""Build the demo data set: organisation, users, catalog, stores, and whatever each app
adds (orders, grades, visit plans, complaints). Deterministic for a given --seed."""

import importlib
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from customers.demo import print_logins, seed_customers, seed_organisation
from customers.models import Customer
from phone_orders.demo import seed_catalog

# Each app that has demo data of its own exposes `seed_demo(*, rng, stdout)` in its
# demo module; they run in this order after the stores exist.
APP_STEPS = ["phone_orders.demo", "customers.grading.demo", "visits.demo", "complaints.demo"]


class Command(BaseCommand):
    help = "Load the deterministic demo data set (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1500,
                            help="How many stores to create (0: organisation and catalog only).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when customers already exist.")

    def handle(self, *args, customers, seed, if_empty, **options):
        if settings.CRM_ENVIRONMENT == "production":
            raise CommandError("seed_demo refuses to run with production settings.")
        if customers < 0:
            raise CommandError("--customers must be 0 or more.")
        if if_empty and Customer.objects.exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        if Customer.objects.exists():
            raise CommandError("Customers already exist; seed_demo only fills an empty "
                               "database (use --if-empty to skip quietly).")
        rng = random.Random(seed)
        with transaction.atomic():
            org = seed_organisation()
            products = seed_catalog()
            stores = seed_customers(count=customers, rng=rng, territories=org["territories"],
                                    users=org["users"])
        self.stdout.write(f"Organisation: {len(org['departments'])} departments, "
                          f"{len(org['territories'])} territories, {len(org['users'])} users; "
                          f"{products} SKUs; {stores} stores.")
        if stores:
            for module_name in APP_STEPS:
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError as error:
                    if error.name != module_name:
                        raise
                    continue
                step = getattr(module, "seed_demo", None)
                if step is not None:
                    step(rng=random.Random(seed), stdout=self.stdout)
        if not if_empty:
            print_logins(self.stdout)

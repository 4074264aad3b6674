"""Demo visit plans: four weeks for each demo manager, last week's visits logged (a few
missed), and the plan regenerated from today so missed stops come forward."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Role, User
from phone_orders.models import Product

from . import services
from .actions import ACTION_CODES
from .models import PlannedVisit


def seed_demo(*, rng: random.Random, stdout) -> None:
    today = timezone.localdate()
    last_monday = today - timedelta(days=today.weekday() + 7)
    products = list(Product.objects.filter(on_sale=True).order_by("code"))
    managers = list(User.objects.filter(role=Role.MANAGER, is_active=True,
                                        customers__isnull=False).distinct().order_by("username"))
    visits = 0
    for manager in managers:
        services.plan_generate(manager=manager, user=manager, first_day=last_monday)
        past = (PlannedVisit.objects.filter(manager=manager, date__lt=today)
                .select_related("customer").order_by("date", "sequence"))
        for stop in past:
            if rng.random() < 0.15:
                continue  # left undone: shows up as missed and comes forward
            start = timezone.make_aware(datetime.combine(stop.date, stop.planned_start)) \
                + timedelta(minutes=rng.randint(-5, 15))
            visit = services.visit_start(user=manager, customer=stop.customer,
                                         planned_visit=stop, at=start)
            lines = []
            for product in rng.sample(products, k=min(3, len(products))):
                factor = rng.choice(["1", "1", "1", "1.02", "0.95", "1.15"])
                price = product.retail_price * Decimal(factor)
                lines.append({"product": product.pk, "retail_price": f"{price:.2f}",
                              "stock_cartons": rng.randint(0, 12)})
            services.visit_finish(
                visit=visit, user=manager,
                actions=[code for code in ACTION_CODES if rng.random() < 0.7], lines=lines,
                notes=rng.choice(["", "陈列整齐", "店主反映新品动销慢", "建议增加中支品规"]),
                at=start + timedelta(minutes=stop.service_minutes + rng.randint(-4, 8)),
            )
            visits += 1
        services.plan_generate(manager=manager, user=manager, first_day=today)
    stdout.write(f"Visits: plans for {len(managers)} managers, {visits} visits logged.")

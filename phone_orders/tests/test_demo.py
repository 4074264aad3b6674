import io
import random
from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from customers.demo import seed_customers, seed_organisation
from customers.models import Customer, MonthlyPurchase
from phone_orders.demo import seed_catalog, seed_demo
from phone_orders.models import CycleSupply, Order, OrderLine
from phone_orders.services import current_cycle


def test_seed_demo_orders_match_monthly_purchases_and_stop_before_this_cycle(db):
    org = seed_organisation()
    seed_catalog()
    seed_customers(count=24, rng=random.Random(3), territories=org["territories"],
                   users=org["users"])

    seed_demo(rng=random.Random(3), stdout=io.StringIO())

    from_orders = {
        (row["customer_id"], row["month"]): (row["amount"], row["cartons"], row["n"])
        for row in Order.objects.filter(status="confirmed")
        .annotate(month=TruncMonth("order_date")).values("customer_id", "month")
        .annotate(amount=Sum("total_amount"), cartons=Sum("granted_cartons"), n=Count("id"))
    }
    from_summary = {(p.customer_id, p.month): (p.amount, p.cartons, p.orders)
                    for p in MonthlyPurchase.objects.all()}
    assert from_summary == from_orders
    lines_total = OrderLine.objects.aggregate(total=Sum("amount"))["total"]
    assert lines_total == Order.objects.aggregate(total=Sum("total_amount"))["total"]
    assert not Order.objects.filter(cycle_start__gte=current_cycle()).exists()
    for customer in Customer.objects.exclude(last_order_date=None):
        latest = Order.objects.filter(customer=customer).latest("order_date").order_date
        assert customer.last_order_date == latest
    assert CycleSupply.objects.filter(cycle_start=current_cycle()).count() == 80
    two_years_ago = timezone.localdate() - timedelta(weeks=105)
    assert not Order.objects.filter(order_date__lt=two_years_ago).exists()

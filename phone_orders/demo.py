"""Demo cigarette catalog (about 80 SKUs) and two years of weekly orders for the demo
stores, with the current cycle's supply and quotas."""

import random
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer, CustomerStatus, Role, User
from customers.pinyin import name_initials

from .models import (
    CallOutcome,
    CallRecord,
    CycleSupply,
    Flavour,
    Order,
    OrderLine,
    OrderSource,
    PackType,
    PriceBand,
    Product,
    StickSize,
    StoreQuota,
)

# brand, origin, flavour, [(variant, retail yuan per carton, pack, colour, size)]
BRANDS = [
    ("芙蓉王", "湖南", Flavour.STRONG, [
        ("硬", 250, "hard", "黄", "regular"), ("硬细支", 280, "hard", "黄", "slim"),
        ("软蓝", 320, "soft", "蓝", "regular"), ("硬中支", 300, "hard", "金", "middle"),
        ("钻石", 1000, "hard", "金", "regular")]),
    ("白沙", "湖南", Flavour.STRONG, [
        ("硬", 50, "hard", "白", "regular"), ("精品", 100, "hard", "白", "regular"),
        ("和天下", 1000, "hard", "金", "regular"), ("软", 45, "soft", "白", "regular"),
        ("硬精品二代", 110, "hard", "蓝", "regular"), ("细支和天下", 1000, "hard", "红", "slim")]),
    ("中华", "上海", Flavour.STRONG, [
        ("硬", 450, "hard", "红", "regular"), ("软", 650, "soft", "红", "regular"),
        ("双中支", 600, "hard", "红", "middle"), ("细支", 500, "hard", "红", "slim")]),
    ("黄鹤楼", "湖北", Flavour.INTERMEDIATE, [
        ("硬金砂", 150, "hard", "金", "regular"), ("软蓝", 190, "soft", "蓝", "regular"),
        ("天下名楼", 250, "hard", "红", "regular"), ("1916", 1000, "hard", "金", "regular"),
        ("硬峡谷情", 400, "hard", "红", "regular")]),
    ("利群", "浙江", Flavour.INTERMEDIATE, [
        ("新版", 140, "hard", "蓝", "regular"), ("软长嘴", 230, "soft", "蓝", "regular"),
        ("休闲", 300, "hard", "蓝", "regular"), ("阳光", 200, "hard", "橙", "regular"),
        ("楼外楼", 190, "hard", "红", "regular")]),
    ("玉溪", "云南", Flavour.LIGHT, [
        ("软", 230, "soft", "黄", "regular"), ("硬", 200, "hard", "黄", "regular"),
        ("初心", 300, "hard", "绿", "regular"), ("细支", 250, "hard", "黄", "slim")]),
    ("云烟", "云南", Flavour.LIGHT, [
        ("软珍品", 220, "soft", "红", "regular"), ("紫", 110, "hard", "紫", "regular"),
        ("小熊猫家园", 200, "hard", "绿", "regular"), ("细支云龙", 350, "hard", "金", "slim")]),
    ("红塔山", "云南", Flavour.LIGHT, [
        ("硬经典", 75, "hard", "红", "regular"), ("硬经典100", 100, "hard", "红", "regular"),
        ("软经典", 70, "soft", "红", "regular")]),
    ("双喜", "广东", Flavour.BLENDED, [
        ("硬经典", 65, "hard", "红", "regular"), ("软经典", 60, "soft", "红", "regular"),
        ("红玫王", 190, "hard", "红", "regular"), ("莲香", 100, "hard", "绿", "regular")]),
    ("南京", "江苏", Flavour.INTERMEDIATE, [
        ("红", 120, "hard", "红", "regular"), ("炫赫门", 160, "hard", "蓝", "slim"),
        ("雨花石", 1000, "hard", "金", "regular"), ("九五", 1000, "hard", "金", "regular"),
        ("十二钗", 220, "hard", "粉", "slim")]),
    ("苏烟", "江苏", Flavour.INTERMEDIATE, [
        ("硬金砂", 300, "hard", "金", "regular"), ("五星红杉树", 200, "hard", "红", "regular")]),
    ("黄山", "安徽", Flavour.STRONG, [
        ("硬一品", 120, "hard", "黄", "regular"), ("红方印", 160, "hard", "红", "regular"),
        ("天都", 400, "hard", "金", "regular")]),
    ("娇子", "四川", Flavour.STRONG, [
        ("宽窄好运", 150, "hard", "蓝", "regular"), ("X玉溪", 200, "hard", "白", "regular"),
        ("格调", 90, "hard", "红", "regular")]),
    ("真龙", "广西", Flavour.LIGHT, [
        ("起源", 250, "hard", "红", "regular"), ("娇子", 110, "hard", "绿", "regular")]),
    ("七匹狼", "福建", Flavour.LIGHT, [
        ("白", 120, "hard", "白", "regular"), ("红", 140, "hard", "红", "regular"),
        ("锋芒", 200, "hard", "灰", "slim")]),
    ("贵烟", "贵州", Flavour.LIGHT, [
        ("跨越", 350, "hard", "白", "slim"), ("萃", 110, "hard", "黄", "regular")]),
    ("泰山", "山东", Flavour.INTERMEDIATE, [
        ("红将军", 100, "hard", "红", "regular"), ("心悦", 150, "hard", "蓝", "regular")]),
    ("钻石", "河北", Flavour.INTERMEDIATE, [
        ("硬红", 50, "hard", "红", "regular"), ("荷花", 350, "hard", "粉", "regular")]),
    ("长白山", "吉林", Flavour.INTERMEDIATE, [
        ("777", 180, "hard", "白", "regular"), ("硬", 60, "hard", "绿", "regular")]),
    ("红河", "云南", Flavour.LIGHT, [
        ("软甲", 30, "soft", "红", "regular"), ("硬", 35, "hard", "红", "regular")]),
    ("大前门", "上海", Flavour.BLENDED, [
        ("短支", 40, "hard", "红", "regular"), ("软", 35, "soft", "红", "regular")]),
    ("黄金叶", "河南", Flavour.STRONG, [
        ("天叶", 1000, "hard", "金", "regular"), ("乐途", 80, "hard", "蓝", "regular")]),
    ("好猫", "陕西", Flavour.INTERMEDIATE, [
        ("长乐", 100, "hard", "红", "regular"), ("金丝猴", 45, "hard", "黄", "regular")]),
    ("金圣", "江西", Flavour.INTERMEDIATE, [
        ("滕王阁", 200, "hard", "红", "regular"), ("智圣出山", 230, "hard", "金", "regular")]),
    ("兰州", "甘肃", Flavour.INTERMEDIATE, [
        ("硬珍品", 150, "hard", "蓝", "regular"), ("飞天", 100, "hard", "金", "regular")]),
    ("猴王", "湖南", Flavour.STRONG, [
        ("硬", 25, "hard", "黄", "regular"), ("软", 20, "soft", "黄", "regular")]),
]
SCARCE = {"和天下", "细支和天下", "软", "1916", "九五", "雨花石", "钻石", "天叶"}


def seed_catalog() -> int:
    """Create or refresh the demo SKUs; returns how many there are."""
    number = 0
    for brand, origin, flavour, variants in BRANDS:
        for variant, retail, pack, colour, size in variants:
            number += 1
            retail_price = Decimal(retail)
            wholesale = (retail_price * Decimal("0.87")).quantize(Decimal("0.01"),
                                                                 rounding=ROUND_HALF_UP)
            name = f"{brand}({variant})"
            scarce = variant in SCARCE and retail_price >= 400
            Product.objects.update_or_create(
                code=f"69{number:04d}",
                defaults={
                    "name": name, "name_initials": name_initials(name), "brand": brand,
                    "origin": origin, "flavour": flavour, "retail_price": retail_price,
                    "wholesale_price": wholesale,
                    "price_band": PriceBand.for_wholesale_price(wholesale),
                    "pack_type": PackType(pack), "pack_colour": colour,
                    "stick_size": StickSize(size), "is_scarce": scarce,
                    "default_quota": 2 if scarce else None,
                    "is_new": variant in {"初心", "宽窄好运", "锋芒", "萃", "心悦"},
                },
            )
    return number


# Spring Festival (Chinese New Year) days: stores stock up in the weeks before.
SPRING_FESTIVALS = [date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6),
                    date(2028, 1, 26)]
WEEKS = 104
# Price bands a store of each format usually buys (the others it rarely touches).
FORMAT_BANDS = {
    "tobacco_liquor": [1, 1, 1, 2, 3], "supermarket": [1, 2, 3, 3], "convenience": [2, 3, 3, 1],
    "grocery": [3, 3, 4, 5], "entertainment": [1, 2, 3], "other": [3, 4],
}
# store profiles: (share, weekly trend over the two years, stops ordering weeks ago)
PROFILES = [("steady", 0.58), ("growing", 0.16), ("declining", 0.12), ("stopped", 0.10),
            ("new", 0.04)]


def _season(day: date) -> float:
    for festival in SPRING_FESTIVALS:
        before = (festival - day).days
        if 0 < before <= 21:
            return 1.8
        if -7 < before <= 0:
            return 0.5
    return 1.0


def _profile(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for name, share in PROFILES:
        total += share
        if roll < total:
            return name
    return "steady"


def seed_demo(*, rng: random.Random, stdout) -> None:
    """Two years of weekly orders per demo store, monthly purchases, the current cycle's
    supply and quotas, and a few weeks of calls. Orders stop at last week: this week's
    call list starts fresh."""
    started = time.perf_counter()
    products = list(Product.objects.filter(on_sale=True).order_by("code"))
    if not products:
        seed_catalog()
        products = list(Product.objects.filter(on_sale=True).order_by("code"))
    by_band: dict[int, list[Product]] = {}
    for product in products:
        by_band.setdefault(product.price_band, []).append(product)
    today = timezone.localdate()
    current = today - timedelta(days=today.isoweekday() - 1)
    first_cycle = current - timedelta(weeks=WEEKS)
    stores = list(Customer.objects.order_by("pk").values_list(
        "pk", "business_format", "order_weekday", "status", "territory_id"))
    columns = {k: [] for k in ("customer_id", "cycle_start", "order_date", "product_id",
                                "cartons", "amount")}
    for customer_id, business_format, weekday, status, _territory in stores:
        profile = "stopped" if status == CustomerStatus.CLOSED else _profile(rng)
        bands = FORMAT_BANDS.get(business_format, [3])
        usual = []
        for _ in range(rng.randint(4, 9)):
            usual.append(rng.choice(by_band.get(rng.choice(bands)) or products))
        usual = list(dict.fromkeys(usual))
        # Cartons a week: a few big stores and many small ones, so that grading by
        # cumulative share gives roughly a quarter A, a third B and the rest C.
        level = min(rng.lognormvariate(1.5, 1.4), 400.0)
        # A kiosk orders one or two SKUs a week, a big shop many; each keeps its share.
        usual = usual[:max(1, min(len(usual), round(level / 3)))]
        weights = {product.pk: rng.uniform(0.5, 1.5) for product in usual}
        total_weight = sum(weights.values())
        trend = {"growing": rng.uniform(0.4, 1.0), "declining": -rng.uniform(0.4, 0.7)}.get(
            profile, rng.uniform(-0.1, 0.1))
        start_week = rng.randint(70, 90) if profile == "new" else 0
        # Stores stop at any time of the two years (a churn model learns from them), and
        # order weekly, fortnightly or every four weeks (buying for the weeks between).
        stop_week = rng.randint(WEEKS // 4, WEEKS - 7) if profile == "stopped" else WEEKS
        cycle_weeks = rng.choices([1, 2, 4], weights=[70, 20, 10])[0]
        phase = rng.randrange(cycle_weeks)
        for week in range(start_week, stop_week):
            fading = profile == "stopped" and week >= stop_week - 8  # buys less, then stops
            if (week + phase) % cycle_weeks or rng.random() < (0.3 if fading else 0.03):
                continue
            cycle = first_cycle + timedelta(weeks=week)
            order_day = cycle + timedelta(days=weekday - 1)
            if order_day >= today:
                continue
            weekly = level * cycle_weeks * (1 + trend * week / WEEKS) * _season(order_day) * (
                0.6 if fading else 1)
            lines = [product for product in usual if rng.random() < 0.9] or usual[:1]
            for product in lines:
                share = weights[product.pk] / total_weight
                cartons = max(1, round(weekly * share * rng.uniform(0.8, 1.2)))
                if product.is_scarce:
                    cartons = min(cartons, product.default_quota or 2)
                columns["customer_id"].append(customer_id)
                columns["cycle_start"].append(cycle)
                columns["order_date"].append(order_day)
                columns["product_id"].append(product.pk)
                columns["cartons"].append(cartons)
                columns["amount"].append(str(product.wholesale_price * cartons))
    rows = pd.DataFrame(columns)
    from .imports import load_rows

    result = load_rows(rows, source=OrderSource.DEMO)
    with transaction.atomic():
        _assign_clerks()
        _seed_supply(rng=rng, products=products, cycle=current)
        calls = _seed_calls(rng=rng, today=today)
    # Fresh statistics, or the first pages plan on empty tables (seconds instead of ms);
    # VACUUM also marks the pages all-visible so counting orders reads the index only.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in (Order, OrderLine, CallRecord, CycleSupply):
            cursor.execute(f"{command} {model._meta.db_table}")
    stdout.write(f"Orders: {result.orders_created} orders with {result.lines_created} lines "
                 f"over {WEEKS} weeks, supply for the cycle of {current}, {calls} calls "
                 f"({time.perf_counter() - started:.1f} s).")


def _assign_clerks() -> None:
    for clerk in User.objects.filter(role=Role.CLERK):
        Order.objects.filter(source=OrderSource.DEMO,
                             customer__territory__in=clerk.territories.all()).update(
            taken_by=clerk)


def _seed_supply(*, rng: random.Random, products: list[Product], cycle: date) -> None:
    supplies = []
    for index, product in enumerate(products):
        if product.is_scarce:
            available = rng.randint(40, 120)
        elif index % 17 == 5:
            available = 0  # out of stock this cycle: substitutes are offered
        else:
            available = rng.randint(300, 3000)
        supplies.append(CycleSupply(cycle_start=cycle, product=product,
                                    available_cartons=available))
    CycleSupply.objects.bulk_create(supplies, ignore_conflicts=True)
    scarce = [p for p in products if p.is_scarce]
    best = list(Customer.objects.filter(status=CustomerStatus.ACTIVE,
                                        business_format="tobacco_liquor")
                .order_by("pk").values_list("pk", flat=True)[:60])
    StoreQuota.objects.bulk_create([
        StoreQuota(cycle_start=cycle, customer_id=customer_id, product=product,
                   cartons=rng.choice([3, 4, 5]))
        for customer_id in best for product in scarce[:3]
    ], ignore_conflicts=True)


def _seed_calls(*, rng: random.Random, today: date) -> int:
    """Calls of the last four weeks for the orders clerks took, plus unanswered ones."""
    since = today - timedelta(days=28)
    orders = Order.objects.filter(source=OrderSource.DEMO, order_date__gte=since,
                                  taken_by__isnull=False).values_list(
        "pk", "customer_id", "taken_by_id", "order_date")
    calls = []
    tz = timezone.get_current_timezone()
    for order_id, customer_id, clerk_id, order_day in orders:
        start = datetime.combine(order_day, datetime.min.time(), tzinfo=tz) + timedelta(
            hours=rng.randint(8, 16), minutes=rng.randint(0, 59))
        if rng.random() < 0.12:
            calls.append(CallRecord(customer_id=customer_id, clerk_id=clerk_id,
                                    call_date=order_day, outcome=CallOutcome.NO_ANSWER,
                                    started_at=start, ended_at=start + timedelta(seconds=30),
                                    duration_seconds=30))
            start += timedelta(hours=1)
        seconds = rng.randint(70, 300)
        calls.append(CallRecord(customer_id=customer_id, clerk_id=clerk_id,
                                call_date=order_day, outcome=CallOutcome.ORDERED,
                                started_at=start, ended_at=start + timedelta(seconds=seconds),
                                duration_seconds=seconds, order_id=order_id))
    CallRecord.objects.bulk_create(calls, batch_size=2000)
    return len(calls)

"""Demo organisation, users and stores around Changsha, deterministic for a given seed."""

import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from simple_history.utils import bulk_create_with_history

from .models import (
    BusinessFormat,
    Customer,
    CustomerStatus,
    Department,
    Network,
    Rating,
    Role,
    SettlementMethod,
    Temperament,
    Territory,
    User,
)
from .pinyin import name_initials
from .services import user_set_role

DEMO_PASSWORD = "demo-pass-2026"
CITY_CENTRE = (28.2282, 112.9388)

DEPARTMENTS = [("D01", "城区营销部"), ("D02", "城郊营销部"), ("D03", "县域营销部")]
TERRITORIES = [
    ("T01", "芙蓉片区", "D01"), ("T02", "天心片区", "D01"), ("T03", "开福片区", "D01"),
    ("T04", "岳麓片区", "D01"), ("T05", "雨花片区", "D02"), ("T06", "星沙片区", "D02"),
    ("T07", "望城片区", "D02"), ("T08", "暮云片区", "D02"), ("T09", "浏阳片区", "D03"),
    ("T10", "宁乡片区", "D03"), ("T11", "长沙县片区", "D03"), ("T12", "金井片区", "D03"),
]
RURAL_TERRITORIES = {"T09", "T10", "T11", "T12"}
# Offsets (lat, lon) of each territory's centre from the city centre, in degrees.
TERRITORY_OFFSETS = {
    "T01": (0.0, 0.02), "T02": (-0.03, 0.0), "T03": (0.04, 0.0), "T04": (0.0, -0.05),
    "T05": (-0.05, 0.05), "T06": (0.07, 0.12), "T07": (0.15, -0.05), "T08": (-0.12, 0.02),
    "T09": (0.0, 0.45), "T10": (0.0, -0.5), "T11": (0.2, 0.2), "T12": (0.35, 0.1),
}
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁"
            "谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅玉兰志刚海燕春林德胜小龙"
SHOP_WORDS = ["鑫源", "福满", "好邻居", "聚兴", "旺财", "金叶", "百利达", "德顺", "万家",
              "隆盛",
              "兴旺", "佳佳", "惠民", "一品", "和美", "红星", "天天", "四季", "友谊", "金穗",
              "顺发", "宏达", "平安", "吉祥", "新华", "老街", "康乐", "春晖", "同心", "益丰"]
FORMAT_SUFFIX = {
    BusinessFormat.CONVENIENCE: ["便利店", "便民店"],
    BusinessFormat.TOBACCO_LIQUOR: ["烟酒店", "烟酒商行", "名烟名酒"],
    BusinessFormat.SUPERMARKET: ["超市", "购物广场"],
    BusinessFormat.GROCERY: ["食杂店", "小卖部", "商店"],
    BusinessFormat.ENTERTAINMENT: ["棋牌室", "茶楼"],
    BusinessFormat.OTHER: ["商行"],
}
FORMAT_WEIGHTS = [
    (BusinessFormat.CONVENIENCE, 30), (BusinessFormat.TOBACCO_LIQUOR, 25),
    (BusinessFormat.SUPERMARKET, 12), (BusinessFormat.GROCERY, 25),
    (BusinessFormat.ENTERTAINMENT, 5), (BusinessFormat.OTHER, 3),
]
ROADS = ["五一大道", "解放西路", "黄兴路", "芙蓉中路", "劳动路", "韶山路", "人民路", "湘江中路",
         "麓山路", "东二环", "星沙大道", "雷锋大道", "万家丽路", "潇湘大道", "金星路", "中山路"]
TOWNS = ["镇", "乡"]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def seed_organisation() -> dict:
    """Departments, territories, and the demo users of every role."""
    departments = {
        code: Department.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in DEPARTMENTS
    }
    territories = {
        code: Territory.objects.update_or_create(
            code=code, defaults={"name": name, "department": departments[dept]})[0]
        for code, name, dept in TERRITORIES
    }
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}

    def make(username, role, last, first, department, territory_codes=(), employee_no=""):
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"last_name": last, "first_name": first, "department": department,
                      "password": password, "employee_no": employee_no,
                      "is_superuser": role == Role.ADMIN},
        )
        user_set_role(user=user, role=role)
        user.territories.set([territories[c] for c in territory_codes])
        users[username] = user
        return user

    make("admin", Role.ADMIN, "系统", "管理员", departments["D01"], employee_no="0001")
    make("supervisor1", Role.SUPERVISOR, "周", "建国", departments["D01"], employee_no="0101")
    make("supervisor2", Role.SUPERVISOR, "吴", "海燕", departments["D02"], employee_no="0102")
    rng = random.Random(7)
    for i, (code, _, dept) in enumerate(TERRITORIES, start=1):
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN) + rng.choice(GIVEN)
        manager = make(f"manager{i}", Role.MANAGER, surname, given, departments[dept],
                       [code], employee_no=f"{200 + i:04d}")
        lat, lon = _territory_centre(code)
        manager.start_latitude, manager.start_longitude = lat, lon
        manager.save(update_fields=["start_latitude", "start_longitude"])
    for i in range(1, 5):
        codes = [TERRITORIES[j][0] for j in range((i - 1) * 3, i * 3)]
        dept = departments[TERRITORIES[(i - 1) * 3][2]]
        make(f"clerk{i}", Role.CLERK, rng.choice(SURNAMES), rng.choice(GIVEN) + "红", dept,
             codes, employee_no=f"{300 + i:03d}")
    return {"departments": departments, "territories": territories, "users": users}


def _territory_centre(code: str) -> tuple[Decimal, Decimal]:
    d_lat, d_lon = TERRITORY_OFFSETS[code]
    return (Decimal(f"{CITY_CENTRE[0] + d_lat:.6f}"), Decimal(f"{CITY_CENTRE[1] + d_lon:.6f}"))


def seed_customers(*, count: int, rng: random.Random, territories: dict, users: dict) -> int:
    """About `count` stores spread evenly over the territories, each owned by its manager."""
    if count <= 0:
        return 0
    formats, weights = zip(*FORMAT_WEIGHTS, strict=True)
    territory_list = list(territories.values())
    customers = []
    used_names = set()
    for n in range(count):
        territory = territory_list[n % len(territory_list)]
        index = int(territory.code[1:])
        manager = users[f"manager{index}"]
        rural = territory.code in RURAL_TERRITORIES
        business_format = rng.choices(formats, weights)[0]
        name = rng.choice(SHOP_WORDS) + rng.choice(FORMAT_SUFFIX[business_format])
        if name in used_names:
            place = territory.name[:2] if rural else rng.choice(ROADS)
            name = f"{name}({place}{n % 97}号店)"
        used_names.add(name)
        lat, lon = _territory_centre(territory.code)
        spread = 0.03 if not rural else 0.08
        if rural:
            village = rng.choice(["青山", "白沙", "永安", "大瑶", "花明"])
            address = f"{territory.name[:2]}{village}" \
                      f"{rng.choice(TOWNS)}{rng.randint(1, 30)}组{rng.randint(1, 200)}号"
        else:
            address = f"长沙市{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        status = CustomerStatus.ACTIVE
        roll = rng.random()
        if roll < 0.015:
            status = CustomerStatus.CLOSED
        elif roll < 0.03:
            status = CustomerStatus.SUSPENDED
        customers.append(Customer(
            code=f"4301{n + 1:08d}",
            name=name,
            name_initials=name_initials(name),
            license_no=f"43010{index:02d}{n + 1:05d}",
            owner=_person(rng),
            phone=f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            address=address,
            business_hours=rng.choice(["07:00-22:00", "08:00-23:00", "24小时", "09:00-21:00"]),
            business_format=business_format,
            network=Network.RURAL if rural else Network.URBAN,
            latitude=lat + Decimal(f"{rng.uniform(-spread, spread):.6f}"),
            longitude=lon + Decimal(f"{rng.uniform(-spread, spread):.6f}"),
            territory=territory,
            manager=manager,
            status=status,
            order_weekday=rng.choices([1, 2, 3, 4, 5, 6], [18, 18, 18, 18, 18, 10])[0],
            settlement_method=rng.choice(list(SettlementMethod)),
            temperament=rng.choice(list(Temperament)),
            lawful_operation=rng.choices(list(Rating), [80, 15, 5])[0],
            price_compliance=rng.choices(list(Rating), [70, 22, 8])[0],
            new_product_listing=rng.choices(list(Rating), [50, 35, 15])[0],
            brands_stocked=rng.randint(15, 90),
            gross_margin_percent=Decimal(f"{rng.uniform(8, 16):.2f}"),
            satisfaction=rng.choice([3, 4, 4, 5, 5]),
        ))
    for customer in customers:
        customer.refresh_initials()
    bulk_create_with_history(customers, Customer, batch_size=1000)
    return len(customers)


def print_logins(stdout) -> None:
    stdout.write("Demo logins (password: %s):" % DEMO_PASSWORD)
    for username, label in [("admin", "admin"), ("supervisor1", "supervisor, D01"),
                            ("manager1", "customer manager, T01"),
                            ("manager2", "customer manager, T02"),
                            ("clerk1", "order clerk, T01-T03")]:
        stdout.write(f"  {username:<12} {label}")

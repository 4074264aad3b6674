"""Demo cigarette catalog: about 80 SKUs with plausible brands, prices and origins."""

from decimal import ROUND_HALF_UP, Decimal

from customers.pinyin import name_initials

from .models import Flavour, PackType, PriceBand, Product, StickSize

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

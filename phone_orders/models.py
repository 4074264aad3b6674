"""The cigarette catalog (卷烟规格) and, later, orders taken by phone, online or at visits."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PriceBand(models.IntegerChoices):
    """Price classes by wholesale price per carton, as the industry counts them."""

    CLASS_1 = 1, _("Class 1 (100 yuan and up)")
    CLASS_2 = 2, _("Class 2 (70-100 yuan)")
    CLASS_3 = 3, _("Class 3 (30-70 yuan)")
    CLASS_4 = 4, _("Class 4 (16.5-30 yuan)")
    CLASS_5 = 5, _("Class 5 (under 16.5 yuan)")

    @classmethod
    def for_wholesale_price(cls, price: Decimal) -> "PriceBand":
        if price >= 100:
            return cls.CLASS_1
        if price >= 70:
            return cls.CLASS_2
        if price >= 30:
            return cls.CLASS_3
        if price >= Decimal("16.5"):
            return cls.CLASS_4
        return cls.CLASS_5


class Flavour(models.TextChoices):
    STRONG = "strong", _("Strong aroma")  # 浓香型
    LIGHT = "light", _("Light aroma")  # 清香型
    INTERMEDIATE = "intermediate", _("Intermediate aroma")  # 中间香型
    BLENDED = "blended", _("Blended")  # 混合型
    OTHER = "other", _("Other")


class PackType(models.TextChoices):
    HARD = "hard", _("Hard pack")
    SOFT = "soft", _("Soft pack")


class StickSize(models.TextChoices):
    REGULAR = "regular", _("Regular")
    MIDDLE = "middle", _("Middle")  # 中支
    SLIM = "slim", _("Slim")  # 细支


class Product(models.Model):
    code = models.CharField(_("SKU code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_initials = models.CharField(_("name initials"), max_length=100, blank=True,
                                     db_index=True, editable=False)
    brand = models.CharField(_("brand"), max_length=50, db_index=True)
    origin = models.CharField(_("origin"), max_length=50)  # 产地
    wholesale_price = models.DecimalField(_("wholesale price per carton"), max_digits=10,
                                          decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0.01"))])
    retail_price = models.DecimalField(_("suggested retail price per carton"), max_digits=10,
                                       decimal_places=2,
                                       validators=[MinValueValidator(Decimal("0.01"))])
    price_band = models.PositiveSmallIntegerField(_("price band"), choices=PriceBand.choices)
    flavour = models.CharField(_("flavour type"), max_length=15, choices=Flavour.choices)
    pack_type = models.CharField(_("pack type"), max_length=10, choices=PackType.choices)
    pack_colour = models.CharField(_("pack colour"), max_length=20, blank=True)
    stick_size = models.CharField(_("stick size"), max_length=10, choices=StickSize.choices,
                                  default=StickSize.REGULAR)
    is_scarce = models.BooleanField(_("scarce"), default=False)  # 紧俏品牌
    default_quota = models.PositiveIntegerField(
        _("quota per store per cycle (cartons)"), null=True, blank=True,
        help_text=_("Only for scarce SKUs; empty means no quota."),
    )
    is_new = models.BooleanField(_("new product"), default=False)
    on_sale = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_initials", "updated_at"],
                                verbose_name=_("historical product"))

    class Meta:
        verbose_name = _("cigarette SKU")  # 卷烟规格
        verbose_name_plural = _("cigarette SKUs")
        ordering = ["code"]
        indexes = [models.Index(fields=["price_band", "flavour"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

"""Catalog reads and writes (the SKU list used by ordering, visits and complaints)."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers.access import Ability, require
from customers.pinyin import name_initials

from .models import Flavour, PackType, PriceBand, Product


def products_visible_to(user) -> QuerySet[Product]:
    """Every signed-in role sees the whole catalog; it holds no customer data."""
    if not getattr(user, "is_authenticated", False):
        return Product.objects.none()
    return Product.objects.all()


def product_search(queryset: QuerySet[Product], value: str) -> QuerySet[Product]:
    """SKU code, name, brand, or pinyin initials of the name (frw finds 芙蓉王)."""
    value = (value or "").strip()
    if not value:
        return queryset
    condition = Q(code__istartswith=value) | Q(name__icontains=value) | Q(brand__icontains=value)
    if value.isascii() and value.isalpha():
        condition |= Q(name_initials__startswith=value.lower())
    return queryset.filter(condition)


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_lazy("Search"))
    price_band = django_filters.MultipleChoiceFilter(choices=PriceBand.choices)
    flavour = django_filters.ChoiceFilter(choices=Flavour.choices)
    pack_type = django_filters.ChoiceFilter(choices=PackType.choices)

    class Meta:
        model = Product
        fields = ["q", "brand", "origin", "price_band", "flavour", "pack_type", "is_scarce",
                  "is_new", "on_sale"]

    def filter_q(self, queryset, name, value):
        return product_search(queryset, value)


def product_save(*, user, product: Product) -> Product:
    """Create or change a SKU (admins only); the price band follows the wholesale price
    unless one was given."""
    require(user, Ability.EDIT_CATALOG, _("Only an administrator may change the catalog."))
    product.name_initials = name_initials(product.name)
    if not product.price_band and product.wholesale_price:
        product.price_band = PriceBand.for_wholesale_price(product.wholesale_price)
    product.full_clean()
    product._history_user = user
    product.save()
    return product


def product_update(*, user, product: Product, data: dict) -> Product:
    """Change the given fields of a SKU (admins only), as product_save."""
    for field, value in data.items():
        setattr(product, field, value)
    return product_save(user=user, product=product)

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from customers.models import OrderChannel, Territory, User

from .models import Order, OrderStatus


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Store"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("Status"))
    channel = django_filters.ChoiceFilter(choices=OrderChannel.choices, label=_("Channel"))
    date_from = django_filters.DateFilter(field_name="order_date", lookup_expr="gte",
                                          label=_("From"))
    date_to = django_filters.DateFilter(field_name="order_date", lookup_expr="lte",
                                        label=_("To"))
    territory = django_filters.ModelChoiceFilter(field_name="customer__territory",
                                                 queryset=Territory.objects.none(),
                                                 label=_("Territory"))
    taken_by = django_filters.ModelChoiceFilter(queryset=User.objects.none(),
                                                label=_("Taken by"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer id"))
    unmet = django_filters.BooleanFilter(method="filter_unmet", label=_("With unmet demand"))

    class Meta:
        model = Order
        fields = ["q", "status", "channel", "date_from", "date_to", "territory", "taken_by",
                  "customer", "unmet"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user or getattr(request, "user", None)
        if user is not None:
            from customers.selectors import territories_visible_to

            from .selectors import order_takers_visible_to

            self.filters["territory"].queryset = territories_visible_to(user)
            self.filters["taken_by"].queryset = order_takers_visible_to(user)

    def filter_q(self, queryset, name, value):
        from customers.filters import search_customers
        from customers.models import Customer

        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(customer__in=search_customers(Customer.objects.all(), value))

    def filter_unmet(self, queryset, name, value):
        if value is None:
            return queryset
        condition = Q(granted_cartons__lt=F("requested_cartons"))
        return queryset.filter(condition) if value else queryset.exclude(condition)


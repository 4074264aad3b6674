from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.filters import search_customers

from .models import OPEN_STATUSES, Channel, Complaint, Kind, Severity, Status

SCOPES = [("mine", _("My complaints")), ("team", _("My team's"))]
MAX_AGE_DAYS = 36500
MAX_ID = 2**63 - 1
STATES = [("open", _("Open")), ("overdue", _("Overdue")),
          ("closed", pgettext_lazy("complaint", "Closed"))]


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Store"))
    scope = django_filters.ChoiceFilter(choices=SCOPES, method="filter_scope",
                                        label=_("Whose"), empty_label=_("All I can see"))
    state = django_filters.ChoiceFilter(choices=STATES, method="filter_state",
                                        label=_("State"), empty_label=_("Any"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Intake channel"))
    # Bounded, so a malformed value is a form error (ignored on pages, 400 in the API)
    # rather than an overflowing date or id.
    min_age = django_filters.NumberFilter(method="filter_min_age", min_value=0,
                                          max_value=MAX_AGE_DAYS,
                                          label=_("Open at least (days)"))
    customer = django_filters.NumberFilter(field_name="customer_id", min_value=1,
                                           max_value=MAX_ID, label=_("Store id"))

    class Meta:
        model = Complaint
        fields = ["q", "scope", "state", "status", "kind", "severity", "channel", "min_age",
                  "customer"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user or getattr(request, "user", None)

    def filter_q(self, queryset, name, value):
        from customers.models import Customer

        stores = search_customers(Customer.objects.all(), value).values("pk")
        return queryset.filter(customer__in=stores)

    def filter_scope(self, queryset, name, value):
        if value == "mine" and self.user is not None:
            return queryset.filter(Q(handler=self.user) | Q(taken_by=self.user))
        return queryset

    def filter_state(self, queryset, name, value):
        from .selectors import OVERDUE

        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "overdue":
            return queryset.filter(OVERDUE)
        if value == "closed":
            return queryset.filter(status=Status.CLOSED)
        return queryset

    def filter_min_age(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES,
                               received_at__lte=timezone.now() - timedelta(days=int(value)))

import django_filters

from .models import PlannedVisit, StopStatus, Visit, VisitStatus


class PlannedVisitFilter(django_filters.FilterSet):
    date = django_filters.DateFilter()
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    status = django_filters.ChoiceFilter(choices=StopStatus.choices)

    class Meta:
        model = PlannedVisit
        fields = ["manager", "customer", "date", "status"]


class VisitFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)

    class Meta:
        model = Visit
        fields = ["manager", "customer", "date", "status"]

"""FilterSets of the grading and churn API."""

import django_filters
from django.db.models import F

from customers.models import (
    OPEN_WARNING_STATUSES,
    ChurnReason,
    ChurnWarning,
    Grade,
    GradeChange,
    GradeSnapshot,
    WarningStatus,
)


class GradeSnapshotFilter(django_filters.FilterSet):
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices)

    class Meta:
        model = GradeSnapshot
        fields = ["customer", "month", "grade", "tier"]


class GradeChangeFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=[("up", "up"), ("down", "down")],
                                            method="filter_direction")
    as_of_after = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")

    class Meta:
        model = GradeChange
        fields = ["customer", "month", "old_grade", "new_grade"]

    def filter_direction(self, queryset, name, value):
        if value == "down":
            return queryset.filter(new_grade__gt=F("old_grade"))
        return queryset.filter(new_grade__lt=F("old_grade"))


class ChurnWarningFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=WarningStatus.choices)
    reason = django_filters.MultipleChoiceFilter(choices=ChurnReason.choices)
    is_open = django_filters.BooleanFilter(method="filter_is_open")

    class Meta:
        model = ChurnWarning
        fields = ["customer", "owner", "status", "reason"]

    def filter_is_open(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=OPEN_WARNING_STATUSES)
        return queryset.exclude(status__in=OPEN_WARNING_STATUSES)

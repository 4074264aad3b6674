from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from rest_framework import status
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import BusinessError


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Turn domain errors into 400 answers with readable messages."""
    if isinstance(exc, BusinessError):
        body = {"detail": str(exc.message)}
        if exc.field:
            body[exc.field] = [str(exc.message)]
        if exc.errors:
            body["errors"] = exc.errors
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            body = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            body = {"detail": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class NullsLastOrderingFilter(OrderingFilter):
    """`?ordering=` where rows without a value come last in either direction (PostgreSQL
    puts NULL first when sorting descending): a store not scored yet is not the riskiest."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        return queryset.order_by(*[nulls_last(term) for term in ordering])


def nulls_last(term: str):
    """An ordering term ("name" or "-name") as an expression with NULLs last."""
    if not isinstance(term, str):
        return term
    if term.startswith("-"):
        return F(term[1:]).desc(nulls_last=True)
    return F(term).asc(nulls_last=True)

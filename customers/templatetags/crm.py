from decimal import Decimal

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (pagination, sorting)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def yuan(value) -> str:
    """Money in yuan with two decimals and thousands separators: 12,345.60, in every
    language (Django's Chinese format has no thousands separator)."""
    if value in (None, ""):
        return "—"
    return f"¥{Decimal(value):,.2f}"

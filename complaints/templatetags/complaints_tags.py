from django import template

from complaints.selectors import customer_complaints

register = template.Library()


@register.inclusion_tag("complaints/_customer_card_block.html", takes_context=True)
def complaints_card(context, customer):
    """The store's complaints, as far as the viewing user may see them."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    complaints = list(customer_complaints(user=user, customer=customer, limit=10))
    return {
        "customer": customer, "complaints": complaints, "user": user,
        "overdue_count": sum(1 for c in complaints if c.overdue),
    }


@register.filter
def hours(duration) -> str:
    """A duration as hours with one decimal ("26.5 h"); a dash when there is none."""
    if duration is None:
        return "—"
    return f"{duration.total_seconds() / 3600:.1f} h"

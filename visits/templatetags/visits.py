from django import template

from visits import selectors

register = template.Library()


@register.inclusion_tag("visits/_customer_card_block.html")
def customer_visits_card(customer, user):
    """The store's visits and collected prices and stock, as far as the user may see."""
    return {"history": selectors.customer_visit_history(user=user, customer=customer)}


@register.filter
def percent(value) -> str:
    """0.834 -> "83 %"; nothing to divide -> "—"."""
    if value is None:
        return "—"
    return f"{round(value * 100)} %"

from django import template

from customers.access import Ability, can
from phone_orders.selectors import customer_orders

register = template.Library()


@register.inclusion_tag("phone_orders/_customer_orders.html")
def customer_orders_card(customer, user):
    """The store's latest orders, read through the user's scope."""
    return {"customer": customer, "orders": customer_orders(user=user, customer=customer),
            "can_call": can(user, Ability.TAKE_ORDERS) and customer.is_active}

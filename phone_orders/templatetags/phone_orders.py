from django import template

from phone_orders.selectors import customer_orders
from phone_orders.services import user_can_take_orders

register = template.Library()


@register.inclusion_tag("phone_orders/_customer_orders.html")
def customer_orders_card(customer, user):
    """The store's latest orders, read through the user's scope."""
    return {"customer": customer, "orders": customer_orders(user=user, customer=customer),
            "can_call": user_can_take_orders(user) and customer.is_active}

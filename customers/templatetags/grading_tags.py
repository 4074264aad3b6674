from django import template

from customers.grading import customer_grade_card

register = template.Library()


@register.inclusion_tag("customers/grading/_card_body.html", takes_context=True)
def grading_card(context, customer):
    """Grade, tier and why, the grade history and recent changes of one store, scoped."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    card = customer_grade_card(user=user, customer_id=customer.pk) if user else None
    return {"card": card}

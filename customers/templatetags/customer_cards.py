from django import template
from django.utils.safestring import mark_safe

from customers.cards import card_blocks as registered_blocks

register = template.Library()


@register.simple_tag(takes_context=True)
def card_blocks(context, customer, slot: str = "main") -> str:
    """Render the blocks other apps registered for this slot of the store card."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    rendered = []
    for block in registered_blocks(slot):
        extra = block.context(customer=customer, user=user) if block.context else {}
        block_template = context.template.engine.get_template(block.template)
        with context.push({"customer": customer, **extra}):
            rendered.append(block_template.render(context))
    return mark_safe("".join(rendered))

"""Blocks on the store card (一口清) and the other store screens that the apps above
customers contribute.

customers sits at the bottom of the dependency line and never names those apps, not even
in a template: each registers its blocks here from its `AppConfig.ready()`, and the card
renders whatever is registered, in `order` (`{% card_blocks customer "main" %}`, from
`{% load customer_cards %}`). The phone console and the visit log offer slots the same way,
so phone_orders and visits do not name complaints either.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Where a block goes: on the store card "alerts" (above the facts) and "main" (below the
# grading card); on the other screens about one store, "console" (the phone console's
# actions) and "visit" (the visit log, below the notes).
SLOTS = ("alerts", "main", "console", "visit")

ContextFn = Callable[..., dict]  # (*, customer, user) -> extra template variables


@dataclass(frozen=True)
class CardBlock:
    template: str
    context: ContextFn | None
    order: int
    slot: str


_blocks: dict[tuple[str, str], CardBlock] = {}


def register_card_block(template: str, context: ContextFn | None = None, order: int = 100,
                        *, slot: str = "main") -> None:
    """Show `template` on every store card. `context(customer=, user=)` gives it its
    variables (besides `customer`, `user`, `request` and `can`); the viewing user's scope
    is the context function's business. Registering the same template again replaces it."""
    if slot not in SLOTS:
        raise ValueError(f"unknown card slot {slot!r}; one of {SLOTS}")
    _blocks[(slot, template)] = CardBlock(template, context, order, slot)


def card_blocks(slot: str = "main") -> list[CardBlock]:
    return sorted((b for b in _blocks.values() if b.slot == slot),
                  key=lambda b: (b.order, b.template))

"""The store card's block registry (customers.cards)."""

import pytest

from customers import cards


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(cards, "_blocks", {})


def test_blocks_come_in_order_per_slot_and_registering_again_replaces(empty_registry):
    cards.register_card_block("b.html", order=20)
    cards.register_card_block("a.html", order=30)
    cards.register_card_block("alert.html", order=10, slot="alerts")
    cards.register_card_block("b.html", order=40)

    assert [b.template for b in cards.card_blocks("main")] == ["a.html", "b.html"]
    assert [b.template for b in cards.card_blocks("alerts")] == ["alert.html"]


def test_unknown_slot_is_refused(empty_registry):
    with pytest.raises(ValueError):
        cards.register_card_block("x.html", slot="sidebar")
    assert cards.card_blocks("sidebar") == []

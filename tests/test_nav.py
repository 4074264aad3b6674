"""The main navigation asks customers.access (the `can` flags), not role strings."""

import pytest
from django.urls import reverse


def _links(client, user) -> set[str]:
    client.force_login(user)
    html = client.get(reverse("customers:list")).content.decode()
    names = ["phone_orders:calls", "phone_orders:supply", "phone_orders:figures",
             "phone_orders:imports", "visits:today", "visits:stats", "grading:inbox",
             "grading:runs", "complaints:figures", "admin:index"]
    return {name for name in names if f'href="{reverse(name)}"' in html}


@pytest.mark.parametrize("persona, expected", [
    ("manager", {"phone_orders:calls", "visits:today", "visits:stats", "grading:inbox"}),
    ("clerk", {"phone_orders:calls", "phone_orders:supply", "phone_orders:figures"}),
    ("supervisor", {"phone_orders:figures", "visits:stats", "grading:inbox",
                    "complaints:figures"}),
    ("admin", {"phone_orders:calls", "phone_orders:supply", "phone_orders:figures",
               "phone_orders:imports", "visits:stats", "grading:inbox", "grading:runs",
               "complaints:figures", "admin:index"}),
])
def test_navigation_follows_the_abilities(client, personas, persona, expected):
    assert _links(client, personas[persona]) == expected

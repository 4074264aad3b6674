"""Issue 15: the field pages on a 360 px phone. No page scrolls sideways, every control is
a 44 px tap target, and a screenshot of each page is kept (var/screenshots/) for review,
at 360 px and at 1280 px, as a manager and as a supervisor."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from customers.models import MonthlyPurchase
from visits import services
from visits.tests.factories import PlannedVisitFactory, ProductFactory

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# Controls a thumb must hit: at least 44 px high (WCAG 2.5.5 / Apple HIG).
TAP_TARGETS = ("main .btn, main button, main select, main input:not([type=hidden])"
               ":not([type=checkbox]):not([type=radio]), main textarea, main label.check, "
               ".topbar .btn, .topbar select")

MEASURE = """(selector) => {
  const small = [];
  document.querySelectorAll(selector).forEach((el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;  // not shown
    if (el.closest('details:not([open])')) return;
    const label = (el.innerText || el.name || el.id || '').trim().slice(0, 30);
    if (box.height < 44 - 0.5) small.push(`${el.tagName.toLowerCase()}.${el.className}`
        + ` "${label}" ${Math.round(box.height)}px`);
  });
  return {width: document.documentElement.scrollWidth, small: small};
}"""


@pytest.fixture
def field_day(manager, store, territory):
    """A day with a plan, a visit under way with price rows, and some purchases; the store
    is a key account with a temperament (guidance blocks, supervisor-visit list)."""
    store.is_key_account, store.temperament = True, "irritable"
    store.save()
    for code, name in (("6901028", "芙蓉王(硬)"), ("6901029", "白沙(和天下)"),
                       ("6901030", "黄鹤楼(硬珍品)"), ("6901031", "利群(新版)")):
        ProductFactory(code=code, name=name, retail_price=Decimal("250"))
    for month in (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)):
        MonthlyPurchase.objects.create(customer=store, month=month, cartons=130,
                                       amount=Decimal("8348550.45"))
    stop = PlannedVisitFactory(manager=manager, customer=store, date=timezone.localdate(),
                               aims=["churn_warning", "new_product", "supervisor_visit",
                                     "care_festival"])
    visit = services.visit_start(user=manager, customer=store, planned_visit=stop)
    return {"visit": visit, "store": store}


def _pages(field_day):
    visit, store = field_day["visit"], field_day["store"]
    return {
        "home": "/", "customers": "/customers/", "store": f"/customers/{store.pk}/",
        "day": "/visits/", "visit": f"/visits/visit/{visit.pk}/", "plan": "/visits/plan/",
        "stats": "/visits/stats/", "unplanned": "/visits/unplanned/",
        "samples": "/visits/samples/",
    }


def _check(page, name, url, width, who):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(url)
    measured = page.evaluate(MEASURE, TAP_TARGETS)
    folder = SCREENSHOTS / f"{width}"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{who}-{name}.png"), full_page=True)
    problems = []
    if measured["width"] > width:
        problems.append(f"{name}: scrolls sideways ({measured['width']} px)")
    if width == 360 and measured["small"]:
        problems.append(f"{name}: small tap targets {measured['small'][:6]}")
    return problems


def test_the_field_pages_fit_a_360_px_phone_for_the_manager(page, manager, field_day):
    login(page, manager)
    problems = []
    for name, url in _pages(field_day).items():
        problems += _check(page, name, url, 360, "manager")
    for name, url in _pages(field_day).items():
        _check(page, name, url, 1280, "manager")
    assert problems == [], "\n".join(problems)


def test_the_field_pages_fit_a_360_px_phone_for_the_supervisor(page, supervisor, manager,
                                                                field_day):
    login(page, supervisor)
    pages = {name: url for name, url in _pages(field_day).items() if name != "unplanned"}
    pages["day"] = f"/visits/?manager={manager.pk}"
    pages["plan"] = f"/visits/plan/?manager={manager.pk}"
    pages["key-accounts"] = "/visits/key-accounts/"
    problems = []
    for name, url in pages.items():
        problems += _check(page, name, url, 360, "supervisor")
    for name, url in pages.items():
        _check(page, name, url, 1280, "supervisor")
    assert problems == [], "\n".join(problems)

"""Apps depend one way, in a line (README, "Architecture"): an app may use the apps before
it, never one after it. Checked on the source: Python imports and model references in every
non-test module of each app, and includes, URLs and extends in each app's templates."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. crm_project holds the plumbing every app may use and names no app.
ORDER = ["crm_project", "customers", "phone_orders", "visits", "complaints", "reports"]
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
TEMPLATE_REFERENCE = re.compile(
    r"""\{%\s*(?:include|extends)\s+["'](\w+)/|\{%\s*url\s+["'](\w+):""")


def _non_test_modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT / app).parts
        if "tests" in parts or parts[-1] in ("conftest.py",) or parts[-1].startswith("test"):
            continue
        yield path


def _names_used(path: Path):
    """(app, line) for every import of, and model reference to, another package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno
        elif isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            target = node.args[0]
            if (name in RELATION_FIELDS and isinstance(target, ast.Constant)
                    and isinstance(target.value, str) and "." in target.value):
                yield target.value.split(".")[0], node.lineno


def _higher(app: str, used: str) -> bool:
    return used in ORDER and ORDER.index(used) > ORDER.index(app)


@pytest.mark.parametrize("app", ORDER)
def test_no_app_imports_an_app_above_it(app):
    wrong = [f"{path.relative_to(ROOT)}:{line} uses {used}"
             for path in _non_test_modules(app)
             for used, line in _names_used(path) if _higher(app, used)]
    assert wrong == []


@pytest.mark.parametrize("app", ORDER[1:])
def test_no_app_template_names_an_app_above_it(app):
    wrong = []
    for path in sorted((ROOT / "templates" / app).rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in TEMPLATE_REFERENCE.finditer(line):
                used = match.group(1) or match.group(2)
                if _higher(app, used):
                    wrong.append(f"{path.relative_to(ROOT)}:{number} names {used}")
    assert wrong == []


def test_the_check_sees_a_wrong_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from complaints.models import Complaint\n"
                      "x = models.ForeignKey('reports.Thing', on_delete=None)\n")
    used = list(_names_used(module))
    assert used == [("complaints", 1), ("reports", 2)]
    assert _higher("visits", "complaints") and not _higher("complaints", "visits")


def test_store_card_and_store_screens_show_the_blocks_other_apps_register(client, manager,
                                                                          clerk, store):
    # given an open complaint and a visit in progress for the store
    from complaints.services import complaint_create
    from visits.tests.factories import VisitFactory

    complaint = complaint_create(user=manager, customer=store, channel="phone",
                                 kind="service", description="态度差")
    visit = VisitFactory(customer=store, manager=manager)
    client.force_login(manager)

    # when the manager opens the store card
    card = client.get(f"/customers/{store.pk}/").content.decode()

    # then the alert comes first, then orders, visits and complaints, in registered order
    positions = [card.index(marker) for marker in (
        'class="alert alert-error"', 'id="purchases"', 'id="order-history"',
        'id="visits-card"', 'id="complaints"')]
    assert positions == sorted(positions)
    assert f"/complaints/{complaint.pk}/" in card
    # and the visit log and the phone console offer the complaint intake for the store
    visit_page = client.get(f"/visits/visit/{visit.pk}/").content.decode()
    assert f"?customer={store.pk}&amp;channel=visit&amp;visit={visit.pk}" in visit_page
    client.force_login(clerk)
    console = client.get(f"/orders/console/{store.pk}/").content.decode()
    assert f"?customer={store.pk}&amp;channel=phone" in console

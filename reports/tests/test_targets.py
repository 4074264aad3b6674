"""Monthly targets: the grid and the API, the proposed split from last year's sales, the
import, the history, and every refusal leaving nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import api_as
from customers.models import Role
from customers.tests.factories import UserFactory
from reports.evaluation import targets
from reports.models import EvaluationClose, SalesMonthly, Target


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """These tests read English messages: pages follow the language picked on the site
    (its cookie), never the browser's Accept-Language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def _put(user, rows, month="2026-11"):
    return api_as(user).put(f"/api/targets/?month={month}", {"targets": rows}, format="json",
                            HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client():
    """The pages in English, to read the messages."""
    return Client(headers={"accept-language": "en"})


def test_supervisor_sets_department_territory_and_manager_targets(
        supervisor, department, territory, manager):
    # when
    response = _put(supervisor, [
        {"level": "department", "department": department.pk, "indicator": "purchase_amount",
         "value": "100000"},
        {"level": "territory", "territory": territory.pk, "indicator": "purchase_cartons",
         "value": 400},
        {"level": "manager", "manager": manager.pk, "indicator": "purchase_amount",
         "value": "60000.50"},
    ])
    # then
    assert response.status_code == 200, response.data
    assert {(t["level"], t["indicator"], t["value"]) for t in response.data["targets"]} == {
        ("department", "purchase_amount", "100000.00"),
        ("territory", "purchase_cartons", "400.00"),
        ("manager", "purchase_amount", "60000.50")}
    target = Target.objects.get(manager=manager)
    assert (target.department, target.updated_by) == (department, supervisor)
    assert target.history.get().history_user == supervisor


def test_a_change_is_kept_with_who_and_when_and_null_removes(admin_user, supervisor, manager):
    row = {"level": "manager", "manager": manager.pk, "indicator": "new_listings"}
    _put(supervisor, [{**row, "value": 5}])
    _put(admin_user, [{**row, "value": 7}])
    _put(admin_user, [{**row, "value": 7}])  # unchanged: no new version
    _put(supervisor, [{**row, "value": None}])
    assert not Target.objects.exists()
    history = Target.history.order_by("history_date")
    assert [(h.history_type, h.value, h.history_user) for h in history] == [
        ("+", Decimal("5.00"), supervisor), ("~", Decimal("7.00"), admin_user),
        ("-", Decimal("7.00"), supervisor)]


@pytest.mark.parametrize(("row", "message"), [
    ({"value": "-5"}, "cannot be negative"),
    ({"value": "abc"}, "is not a number"),
    ({"value": "NaN"}, "is not a number"),
    ({"indicator": "profit"}, "unknown indicator"),
    ({"level": "store"}, "unknown level"),
    ({"manager": 999999999}, "unknown customer manager"),
])
def test_bad_rows_are_refused_and_nothing_written(supervisor, manager, department, row,
                                                  message):
    good = {"level": "department", "department": department.pk,
            "indicator": "purchase_amount", "value": "100"}
    bad = {"level": "manager", "manager": manager.pk, "indicator": "purchase_amount",
           "value": "10", **row}
    response = _put(supervisor, [good, bad])
    assert response.status_code == 400
    assert message in response.data["detail"]
    assert "Target 2" in response.data["detail"]
    assert not Target.objects.exists()


def test_supervisor_cannot_set_another_departments_manager(supervisor, far_territory):
    far_manager = UserFactory(role=Role.MANAGER, department=far_territory.department)
    response = _put(supervisor, [{"level": "manager", "manager": far_manager.pk,
                                  "indicator": "purchase_amount", "value": "10"}])
    assert response.status_code == 400
    assert "not in a department you may set targets for" in response.data["detail"]
    assert not Target.objects.exists()


def test_a_clerk_is_not_a_manager_to_target(supervisor, clerk):
    response = _put(supervisor, [{"level": "manager", "manager": clerk.pk,
                                  "indicator": "purchase_amount", "value": "10"}])
    assert response.status_code == 400
    assert not Target.objects.exists()


def test_the_same_target_twice_is_refused(supervisor, manager):
    row = {"level": "manager", "manager": manager.pk, "indicator": "purchase_amount"}
    response = _put(supervisor, [{**row, "value": 1}, {**row, "value": 2}])
    assert response.status_code == 400
    assert "given twice" in response.data["detail"]
    assert not Target.objects.exists()


def test_a_closed_month_takes_no_targets(supervisor, manager):
    EvaluationClose.objects.create(month=NOV)
    response = _put(supervisor, [{"level": "manager", "manager": manager.pk,
                                  "indicator": "purchase_amount", "value": 1}])
    assert response.status_code == 400
    assert "2026-11 is closed" in response.data["detail"]
    assert not Target.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "other_manager", "clerk"])
def test_staff_cannot_change_any_target(personas, persona, manager):
    response = _put(personas[persona], [{"level": "manager", "manager": manager.pk,
                                         "indicator": "purchase_amount", "value": 1}])
    assert response.status_code == 403
    assert not Target.objects.exists()


@pytest.fixture
def november_targets(department, territory, manager, other_manager, far_territory):
    far_manager = UserFactory(username="far_mgr", role=Role.MANAGER,
                              department=far_territory.department)
    for owner, value in ((dict(manager=manager), 60), (dict(manager=other_manager), 40),
                         (dict(territory=territory), 100), (dict(), 200),
                         (dict(manager=far_manager, department=far_territory.department), 9)):
        Target.objects.create(month=NOV, indicator="purchase_cartons",
                              **{"department": department, **owner}, value=value)
    return far_manager


@pytest.mark.parametrize(("persona", "values"), [
    ("manager", {"60.00"}),
    ("other_manager", {"40.00"}),
    ("supervisor", {"60.00", "40.00", "100.00", "200.00"}),
    ("other_supervisor", {"9.00"}),
    ("admin", {"60.00", "40.00", "100.00", "200.00", "9.00"}),
    ("clerk", None),
])
def test_each_persona_reads_only_their_targets(personas, november_targets, persona, values):
    response = api_as(personas[persona]).get("/api/targets/", {"month": "2026-11"})
    if values is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert {t["value"] for t in response.data["targets"]} == values


def _sales(month, manager, territory, department, cartons, amount):
    SalesMonthly.objects.create(month=month, customer=_sales.store, department=department,
                                territory=territory, manager=manager, brand=f"b{cartons}",
                                price_band=1, cartons=cartons, amount=amount)


def test_split_follows_each_managers_share_of_last_year(
        supervisor, department, territory, other_territory, manager, other_manager, store):
    # given: November 2025, 3 : 1 between the managers (and territories); a third manager
    # with no sales gets nothing
    third = UserFactory(username="mgr_new", role=Role.MANAGER, department=department)
    _sales.store = store
    _sales(date(2025, 11, 1), manager, territory, department, 30, "3000")
    _sales(date(2025, 11, 1), other_manager, other_territory, department, 10, "1000")
    _sales(date(2025, 10, 1), other_manager, other_territory, department, 90, "9000")
    Target.objects.create(month=NOV, indicator="purchase_cartons", department=department,
                          value=101)
    # when
    proposal = targets.split_proposal(user=supervisor, month=NOV, department=department,
                                      indicator="purchase_cartons")
    # then: 101 x 3/4 = 75.75 and 25.25; whole cartons, the odd one to the largest remainder
    assert proposal == {
        ("territory", territory.pk, "purchase_cartons"): Decimal("76"),
        ("territory", other_territory.pk, "purchase_cartons"): Decimal("25"),
        ("manager", manager.pk, "purchase_cartons"): Decimal("76"),
        ("manager", other_manager.pk, "purchase_cartons"): Decimal("25"),
        ("manager", third.pk, "purchase_cartons"): Decimal("0")}


def test_split_without_history_is_equal_and_adds_up(supervisor, department, manager,
                                                   other_manager):
    proposal = targets.split_proposal(user=supervisor, month=NOV, department=department,
                                      indicator="visit_completion", total=Decimal("100"))
    managers = {k[1]: v for k, v in proposal.items() if k[0] == "manager"}
    assert managers == {manager.pk: Decimal("50.00"), other_manager.pk: Decimal("50.00")}


def test_split_needs_a_department_target(supervisor, department):
    with translation.override("en"), pytest.raises(targets.BusinessError,
                                                   match="department's target"):
        targets.split_proposal(user=supervisor, month=NOV, department=department,
                               indicator="purchase_amount")


def test_grid_page_proposes_then_saves(client, supervisor, department, manager, other_manager,
                                      territory):
    Target.objects.create(month=NOV, indicator="purchase_amount", department=department,
                          value=1000)
    client.force_login(supervisor)
    url = reverse("reports:targets")
    page = client.get(url, {"month": "2026-11", "propose": "purchase_amount"})
    assert page.status_code == 200
    cell = f'name="t-manager-{manager.pk}-purchase_amount" value="500.00"'
    assert cell in page.content.decode()
    response = client.post(url, {"month": "2026-11", "department": department.pk,
                                 f"t-manager-{manager.pk}-purchase_amount": "600",
                                 f"t-manager-{other_manager.pk}-purchase_amount": "400",
                                 f"t-territory-{territory.pk}-purchase_amount": "",
                                 "action": "save"})
    assert response.status_code == 302
    assert dict(Target.objects.filter(manager__isnull=False)
                .values_list("manager__username", "value")) == {
        "mgr_owner": Decimal("600.00"), "mgr_other": Decimal("400.00")}


def test_grid_page_shows_the_error_and_saves_nothing(client, supervisor, department, manager):
    client.force_login(supervisor)
    response = client.post(reverse("reports:targets"), {
        "month": "2026-11", "department": department.pk, "action": "save",
        f"t-manager-{manager.pk}-purchase_amount": "-1"})
    assert response.status_code == 200
    assert "cannot be negative" in response.content.decode()
    assert not Target.objects.exists()


def test_manager_sees_own_row_read_only_and_another_department_is_404(
        client, manager, supervisor, far_territory):
    client.force_login(manager)
    page = client.get(reverse("reports:targets"))
    assert page.status_code == 200
    assert "<input class=\"target-cell" not in page.content.decode()
    client.force_login(supervisor)
    other = client.get(reverse("reports:targets"),
                       {"department": far_territory.department.pk})
    assert other.status_code == 404


def _upload(client, text, name="targets.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("reports:targets"), {
        "month": "2026-11", "action": "import",
        "file": SimpleUploadedFile(name, text.encode("utf-8"))})


def test_import_writes_all_rows(client, supervisor, manager, territory):
    client.force_login(supervisor)
    response = _upload(client, "month,level,code,indicator,value\n"
                               "2026-12,manager,mgr_owner,purchase_amount,\"1,200\"\n"
                               ",territory,T01,purchase_cartons,50\n"
                               ",department,D01,purchase_cartons,80\n")
    assert response.status_code == 302
    assert sorted((t.month, t.level, t.value) for t in Target.objects.all()) == [
        (NOV, "department", Decimal("80.00")), (NOV, "territory", Decimal("50.00")),
            (date(2026, 12, 1), "manager", Decimal("1200.00"))]


@pytest.mark.parametrize(("lines", "message"), [
    ("manager,nobody,purchase_amount,1", "unknown customer manager “nobody”"),
    ("manager,mgr_owner,purchase_amount,1\nmanager,mgr_owner,purchase_amount,2",
     "given twice"),
    ("manager,mgr_owner,purchase_amount,-3", "cannot be negative"),
    ("territory,T01,purchase_amount,", "no value"),
])
def test_import_with_a_bad_row_writes_nothing(client, supervisor, manager, territory, lines,
                                             message):
    client.force_login(supervisor)
    response = _upload(client, "level,code,indicator,value\n"
                               "department,D01,purchase_cartons,80\n" + lines + "\n")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Target.objects.exists()

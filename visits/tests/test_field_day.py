"""Issue 15, found on a phone: each of these failed before the fix."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_project.errors import BusinessError
from customers.tests.factories import CustomerFactory, grade_set
from visits import services
from visits.models import PlannedVisit, Visit, VisitStatus
from visits.tests.factories import PlannedVisitFactory

pytestmark = pytest.mark.django_db

CHANGSHA = (Decimal("28.228000"), Decimal("112.938800"))
BEIJING = ("39.904200", "116.407400")


@pytest.fixture
def changsha_store(territory, manager):
    store = CustomerFactory(territory=territory, manager=manager, name="芙蓉路便利店",
                            latitude=CHANGSHA[0], longitude=CHANGSHA[1])
    grade_set(store, grade="A")
    return store


# ---------------------------------------------------------------- malformed addresses


@pytest.mark.parametrize("url", [
    "/visits/day/2026-13-45/", "/visits/day/abc/", "/visits/day/2026-13-45/add/",
    "/visits/plan/?first_day=2026-13-45", "/visits/?manager=abc",
    "/visits/?manager=99999999999999999999", "/visits/stats/?manager=abc",
    "/visits/visit/99999999999999999999/",
])
def test_malformed_date_or_id_in_an_address_is_a_404(client, manager, url):
    client.force_login(manager)

    method = client.post if url.endswith("/add/") else client.get
    assert method(url).status_code == 404


@pytest.mark.parametrize("planned_visit", ["abc", "99999999999999999999", "-1"])
def test_malformed_stop_id_when_starting_is_a_404_and_writes_nothing(client, manager, store,
                                                                      planned_visit):
    client.force_login(manager)

    response = client.post(reverse("visits:start"), {"customer": store.pk,
                                                     "planned_visit": planned_visit})

    assert response.status_code == 404
    assert Visit.objects.count() == 0


# ---------------------------------------------------------------- time ratios


def _day_of_205_minutes(manager, stores, day):
    for n, (store, minutes) in enumerate(zip(stores, (100, 105), strict=False), start=1):
        PlannedVisitFactory(manager=manager, customer=store, date=day, sequence=n,
                            service_minutes=minutes, travel_minutes=20)


def test_customer_time_ratio_is_time_with_customers_over_the_working_day(
        client, placed_manager, graded_stores):
    today = timezone.localdate()
    _day_of_205_minutes(placed_manager, graded_stores, today)
    client.force_login(placed_manager)

    day = client.get(reverse("visits:today"))
    plan = client.get(reverse("visits:plan") + f"?first_day={today.isoformat()}")

    # 205 minutes with customers out of a 480-minute day: 43 %, under the 60 % aim.
    assert day.context["plan"].customer_time_ratio == pytest.approx(205 / 480)
    assert day.context["plan"].meets_target is False
    html = day.content.decode()
    assert 'id="customer-time-ratio" class="badge badge-warn">43 %' in html
    assert "公司时间比" in html
    assert plan.context["weeks"][0]["times"].customer_time_ratio == pytest.approx(205 / 480)
    assert "43 %" in plan.content.decode()


def test_company_time_ratio_is_the_working_day_left_outside_the_field(placed_manager,
                                                                       graded_stores):
    today = timezone.localdate()
    _day_of_205_minutes(placed_manager, graded_stores, today)
    from visits.selectors import plan_day

    plan = plan_day(user=placed_manager, manager=placed_manager, day=today)

    field = plan.total_minutes
    assert plan.company_time_ratio == pytest.approx((480 - field) / 480)


def test_actual_customer_time_ratio_uses_the_same_definition(client, manager, store,
                                                             other_store):
    day = timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, time(9, 0)))
    for n, minutes in enumerate((100, 105)):
        begin = start + timedelta(hours=3 * n)
        Visit.objects.create(customer=store, manager=manager, date=day, started_at=begin,
                             finished_at=begin + timedelta(minutes=minutes),
                             status=VisitStatus.DONE)
    client.force_login(manager)

    response = client.get(reverse("visits:stats"))

    stats = response.context["stats"]
    assert stats["times"].customer_time_ratio == pytest.approx(205 / 480)
    assert stats["managers"][0]["times"].customer_time_ratio == pytest.approx(205 / 480)
    html = response.content.decode()
    assert 'id="actual-customer-time-ratio" class="stat badge-warn">43 %' in html
    assert "公司时间比" in html


# ---------------------------------------------------------------- the day page


def test_a_stop_with_a_visit_under_way_is_labelled_in_progress(client, manager, store):
    stop = PlannedVisitFactory(manager=manager, customer=store)
    Visit.objects.create(customer=store, manager=manager, planned_visit=stop,
                         date=stop.date, started_at=timezone.now())
    client.force_login(manager)

    html = client.get(reverse("visits:today")).content.decode()

    stop_html = html[html.index(f'id="stop-{stop.pk}"'):]
    stop_html = stop_html[:stop_html.index("</li>")]
    assert "进行中" in stop_html
    assert "已计划" not in stop_html


# ---------------------------------------------------------------- check-in rules


def test_a_second_visit_cannot_start_while_one_is_open(manager, store, other_store, territory):
    second_store = CustomerFactory(territory=territory, manager=manager)
    open_visit = services.visit_start(user=manager, customer=store)

    with pytest.raises(BusinessError) as refused:
        services.visit_start(user=manager, customer=second_store)

    assert store.name in refused.value.message
    assert list(Visit.objects.values_list("pk", flat=True)) == [open_visit.pk]


def test_a_check_in_far_from_the_store_is_flagged_not_blocked(manager, changsha_store):
    visit = services.visit_start(user=manager, customer=changsha_store,
                                 latitude=BEIJING[0], longitude=BEIJING[1])

    assert visit.start_distance_m == pytest.approx(1_340_000, rel=0.02)
    assert visit.far_from_store is True


def test_a_check_in_at_the_store_is_not_flagged(manager, changsha_store):
    visit = services.visit_start(user=manager, customer=changsha_store,
                                 latitude="28.229000", longitude="112.939000")

    assert visit.start_distance_m == 113
    assert visit.far_from_store is False


def test_the_distance_limit_is_a_setting(manager, changsha_store, settings):
    settings.CRM_VISIT_CHECKIN_DISTANCE_M = 100
    visit = services.visit_start(user=manager, customer=changsha_store,
                                 latitude="28.229000", longitude="112.939000")

    assert visit.far_from_store is True


def test_a_far_check_in_must_be_explained_before_finishing(manager, changsha_store):
    at = timezone.now()
    visit = services.visit_start(user=manager, customer=changsha_store, at=at,
                                 latitude=BEIJING[0], longitude=BEIJING[1])

    with pytest.raises(BusinessError) as refused:
        services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                              at=at + timedelta(minutes=30))
    finished = services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                                     at=at + timedelta(minutes=30),
                                     location_note="GPS 信号漂移，人在店内")

    assert refused.value.field == "location_note"
    assert finished.location_note == "GPS 信号漂移，人在店内"


@pytest.mark.parametrize("latitude, longitude", [("91", "112.9"), ("28.2", "181"),
                                                 ("abc", "112.9"), ("28.2", "")])
def test_coordinates_out_of_range_are_refused_and_nothing_is_written(manager, changsha_store,
                                                                     latitude, longitude):
    with pytest.raises(BusinessError):
        services.visit_start(user=manager, customer=changsha_store, latitude=latitude,
                             longitude=longitude)

    assert Visit.objects.count() == 0


def test_a_visit_shorter_than_half_its_standard_asks_for_a_reason(manager, changsha_store):
    # An A store's standard visit is 20 minutes; 2 minutes needs a word.
    stop = PlannedVisitFactory(manager=manager, customer=changsha_store, service_minutes=20)
    at = timezone.now()
    visit = services.visit_start(user=manager, customer=changsha_store, planned_visit=stop,
                                 at=at)

    with pytest.raises(BusinessError) as refused:
        services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                              at=at + timedelta(minutes=2))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS
    finished = services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                                     at=at + timedelta(minutes=2),
                                     short_reason="店主外出，约好明天再来")

    assert refused.value.field == "short_reason"
    assert "20" in refused.value.message
    assert finished.short_reason == "店主外出，约好明天再来"


def test_a_visit_of_half_its_standard_needs_no_reason(manager, changsha_store):
    stop = PlannedVisitFactory(manager=manager, customer=changsha_store, service_minutes=20)
    at = timezone.now()
    visit = services.visit_start(user=manager, customer=changsha_store, planned_visit=stop,
                                 at=at)

    finished = services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                                     at=at + timedelta(minutes=10))

    assert finished.status == VisitStatus.DONE


def test_flags_show_in_plan_vs_actual_for_the_supervisor(client, supervisor, manager,
                                                         changsha_store):
    at = timezone.now() - timedelta(hours=2)
    visit = services.visit_start(user=manager, customer=changsha_store, at=at,
                                 latitude=BEIJING[0], longitude=BEIJING[1])
    services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                          at=at + timedelta(minutes=3), location_note="定位漂移",
                          short_reason="店主不在")
    client.force_login(supervisor)

    response = client.get(reverse("visits:stats"))

    flagged = response.context["stats"]["flagged"]
    assert [row.pk for row in flagged] == [visit.pk]
    html = response.content.decode()
    assert "定位漂移" in html and "店主不在" in html
    assert "离店过远" in html


# ---------------------------------------------------------------- the plan


def test_regenerating_the_plan_keeps_a_days_manual_order(placed_manager, graded_stores):
    today = timezone.localdate()
    services.plan_generate(manager=placed_manager, user=placed_manager, first_day=today)
    day = (PlannedVisit.objects.filter(manager=placed_manager)
           .values_list("date", flat=True).order_by("date").first())
    stops = list(PlannedVisit.objects.filter(manager=placed_manager, date=day)
                 .order_by("sequence"))
    if len(stops) < 2:
        extra = next(s for s in graded_stores if s.pk not in {x.customer_id for x in stops})
        services.plan_stop_add(manager=placed_manager, user=placed_manager, day=day,
                               customer=extra)
        stops = list(PlannedVisit.objects.filter(manager=placed_manager, date=day)
                     .order_by("sequence"))
    chosen = [stop.customer_id for stop in reversed(stops)]
    services.plan_stop_reorder(manager=placed_manager, user=placed_manager, day=day,
                               order=[stop.pk for stop in reversed(stops)])

    services.plan_generate(manager=placed_manager, user=placed_manager, first_day=today)

    after = list(PlannedVisit.objects.filter(manager=placed_manager, date=day)
                 .order_by("sequence").values_list("customer_id", flat=True))
    assert after == chosen


def test_the_api_reports_a_far_start_and_takes_the_reasons(manager, changsha_store):
    from conftest import api_as

    client = api_as(manager)
    started = client.post("/api/visits/", {"customer": changsha_store.pk,
                                           "latitude": BEIJING[0], "longitude": BEIJING[1]},
                          format="json").json()
    refused = client.post(f"/api/visits/{started['id']}/finish/", {}, format="json")
    finished = client.post(f"/api/visits/{started['id']}/finish/", {
        "location_note": "定位漂移", "short_reason": "店主不在"}, format="json")

    assert started["far_from_store"] is True
    assert refused.status_code == 400
    assert (finished.status_code, finished.json()["location_note"],
            finished.json()["short_reason"]) == (200, "定位漂移", "店主不在")


# ---------------------------------------------------------------- display photos

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def test_a_display_photo_is_checked_by_content_and_stored_privately(client, manager, store,
                                                                    settings):
    from visits.models import VisitPhoto

    visit = services.visit_start(user=manager, customer=store)
    client.force_login(manager)

    refused = client.post(reverse("visits:visit-photo-add", args=[visit.pk]),
                          {"photo": _upload("shelf.jpg", b"MZ\x90\x00 not a picture")},
                          follow=True)
    assert VisitPhoto.objects.count() == 0
    assert "不是照片" in refused.content.decode()

    client.post(reverse("visits:visit-photo-add", args=[visit.pk]),
                {"photo": _upload("shelf.jpg", PNG)})
    photo = VisitPhoto.objects.get()
    assert (photo.content_type, photo.extension) == ("image/png", "png")
    assert photo.file.path.startswith(str(settings.MEDIA_ROOT) + "/private/")
    served = client.get(reverse("visits:visit-photo", args=[visit.pk, photo.pk]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG


# Whoever may see the visit (its store is in their scope) may see its photos.
@pytest.mark.parametrize("persona, status", [("supervisor", 200), ("clerk", 200),
                                             ("other_manager", 404), ("other_supervisor", 404)])
def test_display_photos_are_scoped(client, personas, manager, store, persona, status):
    visit = services.visit_start(user=manager, customer=store)
    photo = services.visit_photo_add(visit=visit, user=manager, upload=_upload("a.png", PNG))
    client.force_login(personas[persona])

    assert client.get(reverse("visits:visit-photo",
                              args=[visit.pk, photo.pk])).status_code == status


def test_only_the_visiting_manager_adds_photos(supervisor, manager, store):
    from visits.models import VisitPhoto

    visit = services.visit_start(user=manager, customer=store)

    with pytest.raises(BusinessError):
        services.visit_photo_add(visit=visit, user=supervisor, upload=_upload("a.png", PNG))

    assert VisitPhoto.objects.count() == 0


# ---------------------------------------------------------------- prepared visits


def test_the_visit_page_opens_with_what_preparation_asks_for(client, manager, store):
    from customers.tests.grading_factories import ChurnWarningFactory
    from phone_orders.models import Order, OrderLine
    from visits.tests.factories import ProductFactory

    today = timezone.localdate()
    store.temperament = "hesitant"
    store.birthday = today.replace(year=1975)
    store.open_complaint_count = 1
    store.save()
    earlier = timezone.now() - timedelta(days=7)
    Visit.objects.create(customer=store, manager=manager, date=earlier.date(),
                         started_at=earlier, finished_at=earlier + timedelta(minutes=20),
                         status=VisitStatus.DONE, notes="店主想要新品试销",
                         next_actions="带黄鹤楼(1916)样品")
    ChurnWarningFactory(customer=store, reason="purchase_drop", score=72)
    sku = ProductFactory(code="6901099", name="黄鹤楼(硬珍品)")
    new_sku = ProductFactory(code="6901100", name="芙蓉王(新品)", is_new=True)
    order = Order.objects.create(customer=store, cycle_start=today - timedelta(days=7),
                                 order_date=today - timedelta(days=5), status="confirmed",
                                 granted_cartons=12, total_amount=Decimal("3000"))
    OrderLine.objects.create(order=order, product=sku, requested_cartons=12,
                             granted_cartons=12, unit_price=Decimal("250"))
    stop = PlannedVisitFactory(manager=manager, customer=store,
                               aims=["churn_warning", "new_product"])
    visit = services.visit_start(user=manager, customer=store, planned_visit=stop)
    client.force_login(manager)

    response = client.get(reverse("visits:visit", args=[visit.pk]))

    prep = response.context["preparation"]
    assert prep["last_visit"].notes == "店主想要新品试销"
    assert [w.score for w in prep["warnings"]] == [72]
    assert prep["risk"] == 72
    assert prep["open_complaints"] == 1
    assert [o.pk for o in prep["orders"]] == [order.pk]
    assert prep["care"] == [("birthday", store.birthday)]
    assert [(aim["code"], [p.pk for p in aim["products"]]) for aim in prep["aims"]] == [
        ("churn_warning", [sku.pk]), ("new_product", [new_sku.pk])]
    html = response.content.decode()
    section = html[html.index('id="preparation"'):html.index("</section>",
                                                               html.index('id="preparation"'))]
    for text in ("犹豫型", "带黄鹤楼(1916)样品", "店主想要新品试销", "72", "芙蓉王(新品)",
                 "生日", reverse("customers:detail", args=[store.pk])):
        assert text in section, text


def test_refused_lines_are_all_listed_by_their_sku(client, manager, store):
    from visits.tests.factories import ProductFactory

    first = ProductFactory(code="6901201", name="芙蓉王(硬)")
    second = ProductFactory(code="6901202", name="白沙(和天下)")
    visit = services.visit_start(user=manager, customer=store)
    client.force_login(manager)

    response = client.post(reverse("visits:visit", args=[visit.pk]), {
        f"price_{first.pk}": "0", f"stock_{first.pk}": "5",
        f"price_{second.pk}": "250", f"stock_{second.pk}": "-2"})

    html = response.content.decode()
    start = html.index('id="visit-error"')
    alert = html[start:html.index("</div>", start)]
    assert response.status_code == 400
    assert "2 条价存记录需要更正" in alert
    assert f'href="#sku-{first.pk}">芙蓉王(硬)</a>' in alert
    assert f'href="#sku-{second.pk}">白沙(和天下)</a>' in alert
    assert html.count('class="sku-card price-row has-error"') == 2


# ---------------------------------------------------------------- sample stores


def _record(store, manager, product, day, price, stock):
    from visits.models import PriceStockRecord

    start = timezone.make_aware(datetime.combine(day, time(10, 0)))
    visit = Visit.objects.create(customer=store, manager=manager, date=day, started_at=start,
                                 finished_at=start + timedelta(minutes=20),
                                 status=VisitStatus.DONE)
    PriceStockRecord.objects.create(visit=visit, product=product, retail_price=Decimal(price),
                                    stock_cartons=stock)


def test_only_an_admin_marks_sample_stores(admin_user, supervisor, store):
    from visits.models import SampleStore

    with pytest.raises(BusinessError):
        services.sample_store_set(user=supervisor, customer=store, sample=True)
    services.sample_store_set(user=admin_user, customer=store, sample=True)

    assert list(SampleStore.objects.values_list("customer_id", flat=True)) == [store.pk]


def test_a_sample_store_visit_must_collect_price_and_stock(admin_user, manager, store):
    services.sample_store_set(user=admin_user, customer=store, sample=True)
    visit = services.visit_start(user=manager, customer=store)

    with pytest.raises(BusinessError) as refused:
        services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                              at=visit.started_at + timedelta(minutes=20))

    assert refused.value.field == "lines"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS


def test_the_sample_report_gives_price_against_guidance_and_shortage_by_territory(
        client, admin_user, supervisor, other_supervisor, manager, store, territory):
    from visits.tests.factories import ProductFactory

    second = CustomerFactory(territory=territory, manager=manager)
    outside = CustomerFactory(territory=territory, manager=manager)  # not a sample store
    for sample in (store, second):
        services.sample_store_set(user=admin_user, customer=sample, sample=True)
    sku = ProductFactory(code="6901300", name="芙蓉王(硬)", retail_price=Decimal("250"))
    today = timezone.localdate()
    _record(store, manager, sku, today, "260", 0)
    _record(second, manager, sku, today, "280", 4)
    _record(outside, manager, sku, today, "500", 0)
    _record(store, manager, sku, today - timedelta(weeks=20), "900", 0)  # too old
    client.force_login(supervisor)

    response = client.get(reverse("visits:samples"))

    [row] = response.context["rows"]
    assert (row["product"], row["territory"], row["records"]) == ("芙蓉王(硬)", "T01", 2)
    assert row["average_price"] == Decimal("270.00")
    assert row["deviation"] == pytest.approx(0.08)
    assert row["out_of_stock"] == 0.5
    assert len(row["trend"]) == 12
    assert row["trend"][-1]["out_of_stock"] == 0.5
    assert "断货率" in response.content.decode()
    client.force_login(other_supervisor)
    assert client.get(reverse("visits:samples")).context["rows"] == []


def test_a_log_delivered_twice_is_written_once(client, manager, store):
    from visits.models import PriceStockRecord
    from visits.tests.factories import ProductFactory

    sku = ProductFactory(code="6901400", name="芙蓉王(硬)")
    visit = services.visit_start(user=manager, customer=store,
                                 at=timezone.now() - timedelta(minutes=30))
    client.force_login(manager)
    log = {f"price_{sku.pk}": "250", f"stock_{sku.pk}": "3", "notes": "离线记录",
           "submission_token": "q-7f3a"}

    first = client.post(reverse("visits:visit", args=[visit.pk]), log)
    again = client.post(reverse("visits:visit", args=[visit.pk]), log)
    other = client.post(reverse("visits:visit", args=[visit.pk]),
                        {**log, "submission_token": "q-other"})

    assert (first.status_code, again.status_code, other.status_code) == (302, 302, 400)
    assert PriceStockRecord.objects.count() == 1
    visit.refresh_from_db()
    assert (visit.status, visit.notes) == (VisitStatus.DONE, "离线记录")

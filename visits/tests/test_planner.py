"""The planner on plain data: cadence, budget, area grouping and route order."""

from datetime import date, timedelta

from visits.planner import PlannerConfig, Stop, haversine_km, order_route, plan, route_cost

MONDAY = date(2026, 11, 23)
START = (28.25, 112.96)
INTERVAL = {"A": 7, "B": 14, "C": 28}
MINUTES = {"A": 20, "B": 15, "C": 10}


def make_stop(n, grade, *, area="T01", lat=None, lon=None, network="urban"):
    return Stop(customer_id=n, label=f"s{n}", grade=grade, network=network, area=area,
                latitude=START[0] + 0.001 * (n % 7) if lat is None else lat,
                longitude=START[1] + 0.001 * (n // 7) if lon is None else lon,
                interval_days=INTERVAL[grade], service_minutes=MINUTES[grade])


def visits_of(result, customer_id):
    return [s.date for d in result.days for s in d.stops if s.stop.customer_id == customer_id]


def test_each_store_is_planned_as_often_as_its_grade_requires():
    stops = [make_stop(1, "A"), make_stop(2, "B"), make_stop(3, "C")]

    result = plan(stops, first_day=MONDAY, start=START, config=PlannerConfig())

    assert len(visits_of(result, 1)) == 4
    assert len(visits_of(result, 2)) == 2
    assert len(visits_of(result, 3)) == 1
    assert result.unplaced == []
    weeks = sorted((d - MONDAY).days // 7 for d in visits_of(result, 1))
    assert weeks == [0, 1, 2, 3]


def test_no_day_exceeds_its_time_budget():
    stops = [make_stop(n, "ABC"[n % 3]) for n in range(60)]
    config = PlannerConfig(working_minutes=180)

    result = plan(stops, first_day=MONDAY, start=START, config=config)

    assert all(day.total_minutes <= 180 for day in result.days)
    assert result.unplaced == []


def test_only_working_days_are_used():
    stops = [make_stop(n, "A") for n in range(10)]

    result = plan(stops, first_day=MONDAY, start=START, config=PlannerConfig())

    assert {day.date.isoweekday() for day in result.days} <= {1, 2, 3, 4, 5}


def test_more_a_stores_than_the_days_allow_are_reported_with_the_reason():
    # 60-minute days hold two A visits; five working days hold ten a week.
    stops = [make_stop(n, "A") for n in range(12)]
    config = PlannerConfig(working_minutes=60)

    result = plan(stops, first_day=MONDAY, start=START, config=config)

    assert len(result.unplaced) == 2 * 4
    assert {u.stop.customer_id for u in result.unplaced} == {10, 11}
    assert "full" in result.unplaced[0].reason
    assert result.unplaced[0].window_end - result.unplaced[0].window_start == timedelta(days=6)


def test_stores_of_one_area_share_their_days():
    west = [make_stop(n, "A", area="T01", lat=28.25, lon=112.90 + n * 0.001)
            for n in range(5)]
    east = [make_stop(n + 10, "A", area="T02", lat=28.25, lon=113.10 + n * 0.001)
            for n in range(5)]
    config = PlannerConfig(working_minutes=480)

    result = plan(west + east, first_day=MONDAY, start=START, config=config)

    for day in result.days:
        assert len({s.stop.area for s in day.stops}) == 1


def test_route_visits_stops_in_road_order_not_input_order():
    # Four stores on a line going east, given in scrambled order.
    line = [make_stop(n, "C", lat=START[0], lon=START[1] + 0.01 * (n + 1)) for n in range(4)]
    scrambled = [line[2], line[0], line[3], line[1]]
    config = PlannerConfig()

    ordered = order_route(scrambled, START, config)

    assert [s.customer_id for s in ordered] == [0, 1, 2, 3]
    assert route_cost(ordered, START, config) < route_cost(scrambled, START, config)


def test_done_visits_are_not_planned_again_in_their_window():
    stop = make_stop(1, "B")
    stop.done_dates = [MONDAY + timedelta(days=1)]

    result = plan([stop], first_day=MONDAY, start=START, config=PlannerConfig())

    assert len(visits_of(result, 1)) == 1
    assert visits_of(result, 1)[0] >= MONDAY + timedelta(days=14)


def test_urgent_store_comes_in_the_first_week():
    stop = make_stop(1, "C")
    stop.urgent = True

    result = plan([stop], first_day=MONDAY, start=START, config=PlannerConfig())

    assert visits_of(result, 1)[0] < MONDAY + timedelta(days=7)


def test_haversine_distance_of_one_degree_of_latitude():
    assert round(haversine_km((28.0, 113.0), (29.0, 113.0))) == 111

"""The route planner: pure functions over plain data, so it can be tested without a database.

Given a manager's stores (grade, network, area, coordinates) and working days, it assigns
each store as many visits as its grade needs over the horizon, keeps the stores of one area
on the same weekday, keeps every day inside its time budget, and orders each day's stops by
nearest neighbour improved with 2-opt. Stores that cannot fit are returned with the reason.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings

from crm_project import workdays

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class PlannerConfig:
    day_start: time = time(8, 30)
    working_minutes: int = 480
    working_weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays, Monday = 1
    urban_speed_kmh: float = 20.0
    rural_speed_kmh: float = 40.0
    # Roads are not straight lines: haversine distance times this factor.
    road_factor: float = 1.3
    # Minutes in store by grade and network; None means the visits.cadence table.
    service_minutes: dict | None = None
    horizon_weeks: int = 4
    target_customer_time_ratio: float = 0.6

    @classmethod
    def from_settings(cls) -> "PlannerConfig":
        values = getattr(settings, "CRM_VISIT_PLANNER", {}) or {}
        if "day_start" in values and isinstance(values["day_start"], str):
            hours, minutes = values["day_start"].split(":")
            values = {**values, "day_start": time(int(hours), int(minutes))}
        if "working_weekdays" in values:
            values = {**values, "working_weekdays": tuple(values["working_weekdays"])}
        return cls(**values)


@dataclass
class Stop:
    """A store to visit: what the planner needs to know about it."""

    customer_id: int
    label: str
    grade: str
    network: str
    area: str
    latitude: float | None
    longitude: float | None
    interval_days: int
    service_minutes: int
    aims: list[str] = field(default_factory=list)
    # Dates already covered by a done visit in the horizon (kept on regeneration).
    done_dates: list[date] = field(default_factory=list)
    # The first visit must fall in the first week (a missed visit moved forward).
    urgent: bool = False


@dataclass
class PlannedStop:
    stop: Stop
    date: date
    sequence: int
    arrival: time
    travel_minutes: int
    service_minutes: int
    aims: list[str]


@dataclass
class Unplaced:
    stop: Stop
    window_start: date
    window_end: date
    reason: str


class RouteTimes:
    """Time figures of a working day, planned or actual, for anything with travel, service,
    return and working minutes. One definition everywhere (pages, plan, figures, API):

    - 客户时间比 (customer-time ratio): minutes with customers / working minutes;
    - 公司时间比 (company-time ratio): working minutes not spent in the field (travel, stores
      and the way back) / working minutes;
    the aim is a customer-time ratio of 60 % or more.
    """

    travel_minutes: int
    service_minutes: int
    return_minutes: int
    working_minutes: int

    @property
    def total_minutes(self) -> int:
        """Minutes in the field: travel, stores and the way back."""
        return self.travel_minutes + self.service_minutes + self.return_minutes

    @property
    def customer_time_ratio(self) -> float:
        return self.service_minutes / self.working_minutes if self.working_minutes else 0.0

    @property
    def company_time_ratio(self) -> float:
        if not self.working_minutes:
            return 0.0
        return max(self.working_minutes - self.total_minutes, 0) / self.working_minutes

    @property
    def meets_target(self) -> bool:
        return self.customer_time_ratio >= target_customer_time_ratio()


def target_customer_time_ratio() -> float:
    return PlannerConfig.from_settings().target_customer_time_ratio


@dataclass
class TimeShares(RouteTimes):
    """Time figures added up over days (a plan's week, a manager's actual visits)."""

    travel_minutes: float = 0
    service_minutes: float = 0
    return_minutes: float = 0
    working_minutes: float = 0


@dataclass
class DaySummary(RouteTimes):
    date: date
    stops: list[PlannedStop]
    travel_minutes: int
    service_minutes: int
    return_minutes: int
    working_minutes: int = 480


@dataclass
class PlanResult:
    days: list[DaySummary]
    unplaced: list[Unplaced]


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def travel_minutes(a: tuple[float, float] | None, b: tuple[float, float] | None, *,
                   network: str, config: PlannerConfig) -> int:
    """Minutes from a to b; the speed of the network of the place we drive to."""
    if a is None or b is None:
        return 0
    speed = config.rural_speed_kmh if network == "rural" else config.urban_speed_kmh
    km = haversine_km(a, b) * config.road_factor
    return math.ceil(km / speed * 60)


def _point(stop: Stop) -> tuple[float, float] | None:
    if stop.latitude is None or stop.longitude is None:
        return None
    return (stop.latitude, stop.longitude)


def route_cost(order: list[Stop], start: tuple[float, float] | None,
               config: PlannerConfig) -> int:
    """Travel minutes for start -> stops in order -> back to start."""
    total = 0
    previous = start
    for stop in order:
        here = _point(stop)
        total += travel_minutes(previous, here, network=stop.network, config=config)
        previous = here if here is not None else previous
    if order and start is not None:
        total += travel_minutes(previous, start, network=order[-1].network, config=config)
    return total


def order_route(stops: list[Stop], start: tuple[float, float] | None,
                config: PlannerConfig) -> list[Stop]:
    """Nearest neighbour from the start point, then 2-opt until no swap shortens the day."""
    if len(stops) <= 1 or start is None:
        return list(stops)
    remaining = list(stops)
    order: list[Stop] = []
    here = start
    while remaining:
        nearest = min(remaining, key=lambda s: (
            haversine_km(here, _point(s)) if _point(s) else math.inf, s.customer_id))
        remaining.remove(nearest)
        order.append(nearest)
        here = _point(nearest) or here
    best = route_cost(order, start, config)
    improved = True
    while improved:
        improved = False
        for i in range(len(order) - 1):
            for j in range(i + 1, len(order)):
                candidate = order[:i] + order[i:j + 1][::-1] + order[j + 1:]
                cost = route_cost(candidate, start, config)
                if cost < best:
                    order, best, improved = candidate, cost, True
    return order


def day_times(order: list[Stop], day: date, start: tuple[float, float] | None,
              config: PlannerConfig, aims: dict[int, list[str]] | None = None) -> DaySummary:
    """Arrival time, travel and service minutes of each stop, in the given order."""
    clock = datetime.combine(day, config.day_start)
    previous = start
    planned: list[PlannedStop] = []
    travel_total = service_total = 0
    for sequence, stop in enumerate(order, start=1):
        here = _point(stop)
        travel = travel_minutes(previous, here, network=stop.network, config=config)
        clock += timedelta(minutes=travel)
        planned.append(PlannedStop(
            stop=stop, date=day, sequence=sequence, arrival=clock.time().replace(second=0),
            travel_minutes=travel, service_minutes=stop.service_minutes,
            aims=(aims or {}).get(stop.customer_id, stop.aims),
        ))
        clock += timedelta(minutes=stop.service_minutes)
        travel_total += travel
        service_total += stop.service_minutes
        previous = here if here is not None else previous
    back = 0
    if order and start is not None and previous is not None:
        back = travel_minutes(previous, start, network=order[-1].network, config=config)
    return DaySummary(date=day, stops=planned, travel_minutes=travel_total,
                      service_minutes=service_total, return_minutes=back,
                      working_minutes=config.working_minutes)


def working_days(first_day: date, config: PlannerConfig) -> list[date]:
    """The horizon's working days: the working weekdays less China's public holidays, plus
    make-up working days (调休) when the plan works Monday to Friday."""
    last = first_day + timedelta(days=config.horizon_weeks * 7 - 1)
    return workdays.working_days_between(first_day, last, config.working_weekdays)


def _slot_of(day: date, weekdays: list[int]) -> int:
    """The weekday slot a day stands for: its own, or for a make-up Saturday or Sunday (or
    a fixed visit on a day off) the nearest working weekday."""
    weekday = day.isoweekday()
    if weekday in weekdays:
        return weekdays.index(weekday)
    return min(range(len(weekdays)), key=lambda i: abs(weekdays[i] - weekday))


def _angle(stop: Stop, start: tuple[float, float] | None) -> float:
    point = _point(stop)
    if point is None or start is None:
        return 0.0
    return math.atan2(point[0] - start[0], point[1] - start[1])


def _windows(stop: Stop, first_day: date, config: PlannerConfig) -> list[tuple[date, date]]:
    """The periods in each of which the store needs one visit (A weekly, B fortnightly...)."""
    horizon_end = first_day + timedelta(days=config.horizon_weeks * 7 - 1)
    step = max(stop.interval_days, 1)
    windows = []
    begin = first_day
    while begin <= horizon_end:
        end = min(begin + timedelta(days=step - 1), horizon_end)
        windows.append((begin, end))
        begin = end + timedelta(days=1)
    return windows


def _weekly_work(stop: Stop) -> float:
    return stop.service_minutes * 7 / max(stop.interval_days, 1)


def _slice(stops: list[Stop], slots: list[int]) -> dict[int, int]:
    """Cut a sweep into len(slots) runs of about equal weekly work."""
    total = sum(_weekly_work(s) for s in stops)
    per_slot = total / len(slots) if total else 1.0
    home = {}
    running = 0.0
    for stop in stops:
        work = _weekly_work(stop)
        index = min(int((running + work / 2) // per_slot), len(slots) - 1)
        home[stop.customer_id] = slots[index]
        running += work
    return home


def _home_weekdays(swept: list[Stop], weekday_count: int) -> dict[int, int]:
    areas: dict[str, list[Stop]] = {}
    for stop in swept:
        areas.setdefault(stop.area, []).append(stop)
    if not areas:
        return {}
    if len(areas) > weekday_count:
        return _slice(swept, list(range(weekday_count)))
    work = {area: sum(_weekly_work(s) for s in members) for area, members in areas.items()}
    total = sum(work.values()) or 1.0
    shares = {area: max(1, int(work[area] / total * weekday_count)) for area in areas}
    # Hand out the days left by rounding to the areas that lost the most.
    while sum(shares.values()) < weekday_count:
        area = max(areas, key=lambda a: (work[a] / total * weekday_count - shares[a], a))
        shares[area] += 1
    while sum(shares.values()) > weekday_count:
        area = max((a for a in areas if shares[a] > 1), key=lambda a: shares[a])
        shares[area] -= 1
    home: dict[int, int] = {}
    next_slot = 0
    for area, members in areas.items():
        slots = list(range(next_slot, next_slot + shares[area]))
        next_slot += shares[area]
        home.update(_slice(members, slots))
    return home


def plan(stops: list[Stop], *, first_day: date, start: tuple[float, float] | None,
         config: PlannerConfig, fixed: dict[date, list[Stop]] | None = None,
         locked: set[date] | frozenset[date] = frozenset()) -> PlanResult:
    """Assign and order the visits of the horizon. Deterministic for the same input.

    `fixed` are stops that stay on their day (visits already done or under way); they take
    their share of the day's budget and are routed with the new stops. On `locked` days
    (put in order by hand) the fixed stops keep their order and no stop is added.
    """
    days = working_days(first_day, config)
    for day in fixed or {}:
        if day not in days and day >= first_day:
            days.append(day)
    days.sort()
    weekdays = sorted({d.isoweekday() for d in days if d.isoweekday() in config.working_weekdays}
                      or {d.isoweekday() for d in days})
    load: dict[date, list[Stop]] = {d: list((fixed or {}).get(d, [])) for d in days}
    cost: dict[date, int] = {
        d: (route_cost(load[d], start, config) + sum(s.service_minutes for s in load[d]))
        for d in days
    }
    unplaced: list[Unplaced] = []
    if not weekdays:
        return PlanResult(days=[], unplaced=[
            Unplaced(stop=s, window_start=first_day, window_end=first_day,
                     reason="no working days") for s in stops])

    # Stores of one area go together: sweep them by area, then by bearing from the start,
    # give each area whole weekdays in proportion to its weekly work, and cut each area's
    # sweep into slices of about equal work, one per weekday.
    swept = sorted(stops, key=lambda s: (s.area, _angle(s, start), s.customer_id))
    home_weekday = _home_weekdays(swept, len(weekdays))

    def insertion(day: date, stop: Stop) -> tuple[int, int]:
        """Cheapest place to slot the stop into the day's route, and the day's new cost."""
        order = load[day]
        points = [start] + [_point(s) for s in order] + [start]
        networks = [s.network for s in order] + [order[-1].network if order else stop.network]
        here = _point(stop)
        best_position, best_delta = 0, math.inf
        for position in range(len(order) + 1):
            before, after = points[position], points[position + 1]
            delta = (travel_minutes(before, here, network=stop.network, config=config)
                     + travel_minutes(here, after, network=networks[position], config=config)
                     - travel_minutes(before, after, network=networks[position],
                                      config=config))
            if delta < best_delta:
                best_position, best_delta = position, delta
        return best_position, cost[day] + int(best_delta) + stop.service_minutes

    # Key and urgent stores and higher grades first, so they get the best days.
    priority = sorted(swept, key=lambda s: (not s.urgent, s.interval_days, not s.aims,
                                            s.area, s.customer_id))
    for stop in priority:
        for index, (begin, end) in enumerate(_windows(stop, first_day, config)):
            if any(begin <= d <= end for d in stop.done_dates):
                continue
            if stop.urgent and index == 0:
                end = min(end, first_day + timedelta(days=6))
            window_days = [d for d in days if begin <= d <= end and d not in locked]
            if not window_days:
                continue
            home = home_weekday[stop.customer_id]
            ranked = sorted(window_days, key=lambda d: (
                abs(_slot_of(d, weekdays) - home), cost[d], d))
            placed = False
            for day in ranked:
                position, trial_cost = insertion(day, stop)
                if trial_cost <= config.working_minutes:
                    load[day].insert(position, stop)
                    cost[day] = trial_cost
                    placed = True
                    break
            if not placed:
                needed = stop.service_minutes
                unplaced.append(Unplaced(
                    stop=stop, window_start=begin, window_end=end,
                    reason=(f"every working day from {begin} to {end} is full: "
                            f"{needed} minutes in store plus travel do not fit in the "
                            f"{config.working_minutes}-minute day"),
                ))

    summaries = []
    for day in days:
        if not load[day]:
            continue
        if day in locked:
            summaries.append(day_times(load[day], day, start, config))
            continue
        nearest = order_route(load[day], start, config)
        # Keep the insertion route if nearest neighbour + 2-opt did not beat it.
        order = min((nearest, load[day]), key=lambda o: route_cost(o, start, config))
        summaries.append(day_times(order, day, start, config))
    return PlanResult(days=summaries, unplaced=unplaced)

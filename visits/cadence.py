"""Visit cadence by grade (domain.md, "Visits"): how often and how long a visit is."""

from dataclasses import dataclass

from customers.models import Grade, Network


@dataclass(frozen=True)
class Cadence:
    interval_days: int
    urban_minutes: int
    rural_minutes: int

    def minutes(self, network: str) -> int:
        return self.rural_minutes if network == Network.RURAL else self.urban_minutes


VISIT_CADENCE: dict[str, Cadence] = {
    Grade.A: Cadence(interval_days=7, urban_minutes=20, rural_minutes=25),
    Grade.B: Cadence(interval_days=14, urban_minutes=15, rural_minutes=20),
    Grade.C: Cadence(interval_days=28, urban_minutes=10, rural_minutes=15),
}
# A store with no grade yet (new, no history) is visited like a C store.
DEFAULT_CADENCE = VISIT_CADENCE[Grade.C]


def visit_cadence(grade: str | None) -> Cadence:
    return VISIT_CADENCE.get(grade or "", DEFAULT_CADENCE)


def cadence_rows() -> list[dict]:
    """The cadence table as rows, for the API."""
    return [{"grade": str(grade), "interval_days": cadence.interval_days,
             "urban_minutes": cadence.urban_minutes, "rural_minutes": cadence.rural_minutes}
            for grade, cadence in VISIT_CADENCE.items()]

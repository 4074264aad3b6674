"""Tier-based allocation of scarce supply (按档位分配紧俏货源).

For a scarce SKU and a cycle, an allocation table maps tier ranges (档位, 1..the grading
settings' tier count, highest = best customers) to cartons per store. Saving it writes
every active store's quota of that SKU and cycle in one INSERT ... SELECT (upsert), never
store by store; manual exceptions (a store, cartons, a reason, who and when) override the
table and survive every recomputation.

The rule that holds throughout: the sum of the quotas of an allocation never exceeds the
cycle's supply of the SKU. A table, an exception or a supply change that would break it is
refused with the figures (stores per range, cartons needed, cartons available) and nothing
is written. The cycle's supply row is locked (SELECT ... FOR UPDATE) while quotas are
written, as granting does, so supply, quotas and grants of a SKU change one at a time.

Re-allocation: tiers change every night (customers.grading) and supply when an admin sets
it. `allocations_recompute_open` recomputes the allocations of the open cycles (this one
and later); it runs nightly at 02:00 after the grading (celery beat
"phone-orders-reallocate", task `phone_orders.reallocate_quotas`, command
`manage.py reallocate_quotas`), and a supply change recomputes its SKU's allocation at once.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from crm_project.errors import BusinessError
from customers.access import Ability, require
from customers.grading.selectors import grading_settings_get
from customers.models import Customer, CustomerGrade, CustomerStatus
from customers.selectors import customers_visible_to

from .models import (
    Allocation,
    AllocationBand,
    CycleSupply,
    Product,
    QuotaBasis,
    QuotaException,
    StoreQuota,
)

ALLOCATORS_ONLY = _lazy("Only an administrator may allocate supply.")
MAX_CARTONS_PER_STORE = 10_000
BIG_WRITE = 50_000  # quotas written at once past which the table's statistics are renewed


@dataclass(frozen=True)
class Band:
    min_tier: int
    max_tier: int
    cartons: int


@dataclass
class BandFigures:
    band: Band
    stores: int = 0

    @property
    def needed(self) -> int:
        return self.stores * self.band.cartons


@dataclass
class AllocationFigures:
    """What a table gives: per range the stores and cartons, the exceptions, the stores
    without a tier (they get 0), against the cycle's supply."""

    bands: list[BandFigures]
    exception_stores: int = 0
    exception_cartons: int = 0
    untiered_stores: int = 0
    available: int = 0
    extra: list = field(default_factory=list)

    @property
    def needed(self) -> int:
        return sum(b.needed for b in self.bands) + self.exception_cartons

    @property
    def stores(self) -> int:
        return (sum(b.stores for b in self.bands) + self.exception_stores
                + self.untiered_stores)

    @property
    def fits(self) -> bool:
        return self.needed <= self.available

    def as_dict(self) -> dict:
        return {
            "bands": [{"min_tier": b.band.min_tier, "max_tier": b.band.max_tier,
                       "cartons": b.band.cartons, "stores": b.stores, "needed": b.needed}
                      for b in self.bands],
            "exception_stores": self.exception_stores,
            "exception_cartons": self.exception_cartons,
            "untiered_stores": self.untiered_stores,
            "stores": self.stores, "needed": self.needed, "available": self.available,
            "fits": self.fits,
        }


# --- Reading and checking a table -----------------------------------------------------

def _whole(value, *, row: int, column: str, errors: list) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.append({"row": row, "column": column, "reason": _("not a whole number")})
        return None
    if number < 0:
        errors.append({"row": row, "column": column, "reason": _("cannot be negative")})
        return None
    return number


def bands_parse(rows: list[dict], *, tier_count: int | None = None) -> list[Band]:
    """Check a table given as rows {min_tier, max_tier, cartons} (blank rows skipped):
    whole numbers, no negative cartons, ranges within 1..tier count that neither overlap
    nor leave a gap. Every fault is listed (row numbers from 1); nothing is written."""
    tier_count = grading_settings_get().tier_count if tier_count is None else tier_count
    if not tier_count:
        raise BusinessError(_("Tiers are turned off in the grading settings; there is "
                              "nothing to allocate by."), field="bands")
    errors, bands = [], []
    for number, row in enumerate(rows, start=1):
        values = [row.get(k) for k in ("min_tier", "max_tier", "cartons")]
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        low = _whole(values[0], row=number, column="min_tier", errors=errors)
        high = _whole(values[1], row=number, column="max_tier", errors=errors)
        cartons = _whole(values[2], row=number, column="cartons", errors=errors)
        if cartons is not None and cartons > MAX_CARTONS_PER_STORE:
            errors.append({"row": number, "column": "cartons",
                           "reason": _("at most %(n)d cartons per store")
                           % {"n": MAX_CARTONS_PER_STORE}})
        if low is None or high is None:
            continue
        if not 1 <= low <= high <= tier_count:
            errors.append({"row": number, "column": "max_tier" if low >= 1 else "min_tier",
                           "reason": _("a range goes from a lower to a higher tier, "
                                       "within 1-%(t)d") % {"t": tier_count}})
            continue
        if cartons is not None:
            bands.append((number, Band(low, high, cartons)))
    if not bands and not errors:
        errors.append({"row": 1, "column": "min_tier", "reason": _("enter at least one "
                                                                    "range")})
    if not errors:
        _check_cover(bands, tier_count, errors)
    if errors:
        raise BusinessError(_("The allocation table has faults; nothing was saved."),
                            field="bands", errors=errors)
    return sorted((b for _n, b in bands), key=lambda b: -b.min_tier)


def _check_cover(bands: list[tuple[int, Band]], tier_count: int, errors: list) -> None:
    ordered = sorted(bands, key=lambda nb: (nb[1].min_tier, nb[1].max_tier))
    expected = 1
    for number, band in ordered:
        if band.min_tier < expected:
            errors.append({"row": number, "column": "min_tier",
                           "reason": _("overlaps another range (tier %(t)d is in both)")
                           % {"t": band.min_tier}})
        elif band.min_tier > expected:
            errors.append({"row": number, "column": "min_tier",
                           "reason": _("leaves a gap: tiers %(a)d-%(b)d are in no range")
                           % {"a": expected, "b": band.min_tier - 1}})
        expected = max(expected, band.max_tier + 1)
    if expected <= tier_count:
        errors.append({"row": ordered[-1][0], "column": "max_tier",
                       "reason": _("leaves a gap: tiers %(a)d-%(b)d are in no range")
                       % {"a": expected, "b": tier_count}})


def _tier_values(bands: list[Band]) -> tuple[str, list]:
    """A VALUES list (tier, band number, cartons), one row per tier, so the stores join the
    table on equality (a hash join), not on a range."""
    rows, params = [], []
    for index, band in enumerate(bands):
        for tier in range(band.min_tier, band.max_tier + 1):
            rows.append("(%s, %s, %s)")
            params += [tier, index, band.cartons]
    return "(VALUES " + ", ".join(rows) + ") AS t(tier, band, cartons)", params


# --- Figures, as one statement over the stores ----------------------------------------

def _figures(*, bands: list[Band], allocation_id: int | None, available: int
             ) -> AllocationFigures:
    tiers, params = _tier_values(bands)
    customers = Customer._meta.db_table
    grades = CustomerGrade._meta.db_table
    exceptions = QuotaException._meta.db_table
    sql = f"""
        SELECT t.band, e.cartons IS NOT NULL AS excepted, count(*), sum(e.cartons)
          FROM {customers} c
          LEFT JOIN {grades} g ON g.customer_id = c.id
          LEFT JOIN {tiers} ON t.tier = g.tier
          LEFT JOIN {exceptions} e ON e.allocation_id = %s AND e.customer_id = c.id
         WHERE c.status = %s
         GROUP BY 1, 2"""
    figures = AllocationFigures(bands=[BandFigures(b) for b in bands], available=available)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, allocation_id or 0, CustomerStatus.ACTIVE])
        for band, excepted, count, cartons in cursor.fetchall():
            if excepted:
                figures.exception_stores += count
                figures.exception_cartons += cartons or 0
            elif band is None:
                figures.untiered_stores += count
            else:
                figures.bands[band].stores += count
    return figures


def _supply_locked(product: Product, cycle_start: date) -> int:
    supply = (CycleSupply.objects.select_for_update()
              .filter(cycle_start=cycle_start, product=product).first())
    return supply.available_cartons if supply else 0


def _refusal(figures: AllocationFigures, product: Product) -> BusinessError:
    message = _("Refused: this allocation needs %(needed)d cartons of %(sku)s for %(stores)d "
                "stores, but the cycle's supply is %(available)d cartons. Nothing was "
                "saved.") % {"needed": figures.needed, "sku": product.name,
                             "stores": figures.stores, "available": figures.available}
    errors = [{"min_tier": b.band.min_tier, "max_tier": b.band.max_tier,
               "cartons": b.band.cartons, "stores": b.stores, "needed": b.needed}
              for b in figures.bands]
    if figures.exception_stores:
        errors.append({"exceptions": figures.exception_stores,
                       "needed": figures.exception_cartons})
    return BusinessError(message, field="bands", errors=errors)


# --- Writing the quotas, set-wise -----------------------------------------------------

def _write_quotas(allocation: Allocation, bands: list[Band]) -> None:
    """Every active store's quota in one statement: the quotas wanted are compared with
    the ones written (one hash join) and only the new or changed rows are upserted, so a
    nightly run where few tiers moved writes little; quotas of stores no longer active are
    removed."""
    tiers, params = _tier_values(bands)
    quotas = StoreQuota._meta.db_table
    customers = Customer._meta.db_table
    grades = CustomerGrade._meta.db_table
    exceptions = QuotaException._meta.db_table
    cycle, product = allocation.cycle_start, allocation.product_id
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {quotas} AS q (cycle_start, customer_id, product_id, cartons, basis,
                                       tier)
            SELECT %s, n.customer_id, %s, n.cartons, n.basis, n.tier
              FROM (SELECT c.id AS customer_id, COALESCE(e.cartons, t.cartons, 0) AS cartons,
                           CASE WHEN e.id IS NULL THEN %s ELSE %s END AS basis, g.tier
                      FROM {customers} c
                      LEFT JOIN {grades} g ON g.customer_id = c.id
                      LEFT JOIN {tiers} ON t.tier = g.tier
                      LEFT JOIN {exceptions} e ON e.allocation_id = %s
                                              AND e.customer_id = c.id
                     WHERE c.status = %s) n
              LEFT JOIN {quotas} o ON o.cycle_start = %s AND o.product_id = %s
                                  AND o.customer_id = n.customer_id
             WHERE o.id IS NULL
                OR (o.cartons, o.basis, o.tier) IS DISTINCT FROM (n.cartons, n.basis, n.tier)
            ON CONFLICT (cycle_start, customer_id, product_id) DO UPDATE
               SET cartons = EXCLUDED.cartons, basis = EXCLUDED.basis, tier = EXCLUDED.tier""",
                       [cycle, product, QuotaBasis.TABLE, QuotaBasis.EXCEPTION, *params,
                        allocation.pk, CustomerStatus.ACTIVE, cycle, product])
        if cursor.rowcount > BIG_WRITE:
            # Fresh statistics, so that the next statements (and tonight's run) join the
            # quotas by hash rather than row by row.
            cursor.execute(f"ANALYZE {quotas}")
        cursor.execute(f"""
            DELETE FROM {quotas}
             WHERE cycle_start = %s AND product_id = %s
               AND customer_id IN (SELECT id FROM {customers} WHERE status <> %s)""",
                       [cycle, product, CustomerStatus.ACTIVE])


def _apply(allocation: Allocation, bands: list[Band], available: int) -> AllocationFigures:
    figures = _figures(bands=bands, allocation_id=allocation.pk, available=available)
    if not figures.fits:
        raise _refusal(figures, allocation.product)
    _write_quotas(allocation, bands)
    allocation.stores = figures.stores
    allocation.total_cartons = figures.needed
    allocation.computed_at = timezone.now()
    allocation.save(update_fields=["stores", "total_cartons", "computed_at", "updated_at"])
    return figures


def _open_cycle(cycle_start: date) -> date:
    from .services import current_cycle, cycle_start_for

    cycle_start = cycle_start_for(cycle_start)
    if cycle_start < current_cycle():
        raise BusinessError(_("That cycle is over; only this cycle and later ones can be "
                              "allocated."), field="cycle")
    return cycle_start


def _scarce(product: Product) -> Product:
    if not product.is_scarce:
        raise BusinessError(_("%(sku)s is not a scarce SKU; only scarce SKUs are allocated "
                              "by tier.") % {"sku": product.name}, field="sku_code")
    return product


def allocation_preview(*, user, product: Product, cycle_start: date, rows: list[dict]
                       ) -> AllocationFigures:
    """What saving this table would give; nothing is written."""
    require(user, Ability.SET_SUPPLY, ALLOCATORS_ONLY)
    _scarce(product)
    bands = bands_parse(rows)
    allocation = Allocation.objects.filter(cycle_start=cycle_start, product=product).first()
    supply = CycleSupply.objects.filter(cycle_start=cycle_start, product=product).first()
    return _figures(bands=bands, allocation_id=allocation.pk if allocation else None,
                    available=supply.available_cartons if supply else 0)


@transaction.atomic
def allocation_save(*, user, product: Product, cycle_start: date, rows: list[dict]
                    ) -> tuple[Allocation, AllocationFigures, bool]:
    """Set the table of a SKU and cycle and write every active store's quota. Returns the
    allocation, its figures and whether it is new."""
    require(user, Ability.SET_SUPPLY, ALLOCATORS_ONLY)
    _scarce(product)
    cycle_start = _open_cycle(cycle_start)
    bands = bands_parse(rows)
    available = _supply_locked(product, cycle_start)
    allocation, created = (Allocation.objects.select_for_update()
                           .get_or_create(cycle_start=cycle_start, product=product,
                                          defaults={"updated_by": user}))
    figures = _apply(allocation, bands, available)
    allocation.bands.all().delete()
    AllocationBand.objects.bulk_create(
        AllocationBand(allocation=allocation, min_tier=b.min_tier, max_tier=b.max_tier,
                       cartons=b.cartons) for b in bands)
    allocation.updated_by = user
    allocation.save(update_fields=["updated_by", "updated_at"])
    return allocation, figures, created


def _stored_bands(allocation: Allocation) -> list[Band]:
    return [Band(b.min_tier, b.max_tier, b.cartons)
            for b in allocation.bands.order_by("-min_tier")]


@transaction.atomic
def allocation_recompute(*, allocation: Allocation) -> AllocationFigures:
    """The quotas again from the stored table, today's tiers and the supply (after the
    nightly grading or a supply change); refused with the figures when they no longer fit."""
    available = _supply_locked(allocation.product, allocation.cycle_start)
    allocation = Allocation.objects.select_for_update().select_related("product").get(
        pk=allocation.pk)
    return _apply(allocation, _stored_bands(allocation), available)


def allocations_recompute_for_supply(*, product: Product, cycle_start: date) -> None:
    """Called by the supply service inside its transaction after a change."""
    allocation = Allocation.objects.filter(cycle_start=cycle_start, product=product).first()
    if allocation is not None:
        try:
            allocation_recompute(allocation=allocation)
        except BusinessError as exc:
            raise BusinessError(exc.message, field="available_cartons",
                                errors=exc.errors) from None


def allocations_recompute_open(*, cycle_start: date | None = None, sku: str = "") -> dict:
    """Recompute every allocation of the open cycles (this one and later; or one cycle, one
    SKU). One that no longer fits the supply keeps its quotas and is reported."""
    from .services import current_cycle, cycle_start_for

    allocations = Allocation.objects.select_related("product").order_by("cycle_start", "pk")
    if cycle_start:
        allocations = allocations.filter(cycle_start=cycle_start_for(cycle_start))
    else:
        allocations = allocations.filter(cycle_start__gte=current_cycle())
    if sku:
        allocations = allocations.filter(product__code=sku)
    done, refused = [], []
    for allocation in allocations:
        label = f"{allocation.cycle_start} {allocation.product.code}"
        try:
            figures = allocation_recompute(allocation=allocation)
        except BusinessError as exc:
            refused.append({"allocation": label, "reason": str(exc.message)})
        else:
            done.append({"allocation": label, "stores": figures.stores,
                         "cartons": figures.needed, "available": figures.available})
    return {"recomputed": done, "refused": refused}


# --- Exceptions -----------------------------------------------------------------------

def _band_cartons(allocation: Allocation, tier: int | None) -> int:
    for band in _stored_bands(allocation):
        if tier is not None and band.min_tier <= tier <= band.max_tier:
            return band.cartons
    return 0


def _set_store_quota(allocation: Allocation, customer: Customer, cartons: int,
                     basis: str) -> None:
    """One store's quota changed by `cartons`; refused when the total would pass supply."""
    available = _supply_locked(allocation.product, allocation.cycle_start)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    quota = StoreQuota.objects.filter(cycle_start=allocation.cycle_start, customer=customer,
                                      product=allocation.product_id).first()
    total = allocation.total_cartons - (quota.cartons if quota else 0) + cartons
    if total > available:
        raise BusinessError(
            _("Refused: the quotas of %(sku)s would add up to %(needed)d cartons, but the "
              "cycle's supply is %(available)d cartons. Nothing was saved.")
            % {"sku": allocation.product.name, "needed": total, "available": available},
            field="cartons")
    StoreQuota.objects.update_or_create(
        cycle_start=allocation.cycle_start, customer=customer, product=allocation.product,
        defaults={"cartons": cartons, "basis": basis, "tier": customer.tier})
    allocation.total_cartons = total
    allocation.stores += 0 if quota else 1
    allocation.save(update_fields=["total_cartons", "stores", "updated_at"])


def _exception_store(user, customer_id=None, code: str = "") -> Customer:
    stores = customers_visible_to(user)
    if code:
        customer = stores.filter(code=code.strip()).first()
    else:
        try:
            customer = stores.filter(pk=int(customer_id)).first()
        except (TypeError, ValueError):
            customer = None
    if customer is None:
        raise BusinessError(_("Unknown store."), field="customer")
    if customer.status != CustomerStatus.ACTIVE:
        raise BusinessError(_("This store is not active; it gets no quota."),
                            field="customer")
    return customer


@transaction.atomic
def quota_exception_set(*, user, allocation: Allocation, cartons, reason: str,
                        customer_id=None, customer_code: str = "") -> QuotaException:
    """A store's quota by hand, with a reason; it overrides the table from now on."""
    require(user, Ability.SET_SUPPLY, ALLOCATORS_ONLY)
    _open_cycle(allocation.cycle_start)
    customer = _exception_store(user, customer_id, customer_code)
    errors = []
    cartons = _whole(cartons, row=1, column="cartons", errors=errors)
    if errors:
        raise BusinessError(_("Cartons: %(reason)s.") % {"reason": errors[0]["reason"]},
                            field="cartons")
    if cartons > MAX_CARTONS_PER_STORE:
        raise BusinessError(_("At most %(n)d cartons per store.")
                            % {"n": MAX_CARTONS_PER_STORE}, field="cartons")
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError(_("Give the reason for the exception."), field="reason")
    if len(reason) > 200:
        raise BusinessError(_("At most 200 characters."), field="reason")
    _set_store_quota(allocation, customer, cartons, QuotaBasis.EXCEPTION)
    exception, _created = QuotaException.objects.update_or_create(
        allocation=allocation, customer=customer,
        defaults={"cartons": cartons, "reason": reason, "created_by": user})
    return exception


@transaction.atomic
def quota_exception_remove(*, user, allocation: Allocation, customer_id) -> None:
    """The store goes back to the table's figure for its tier."""
    require(user, Ability.SET_SUPPLY, ALLOCATORS_ONLY)
    exception = allocation.exceptions.filter(customer_id=customer_id).select_related(
        "customer").first()
    if exception is None:
        raise BusinessError(_("This store has no exception in this allocation."),
                            field="customer")
    customer = exception.customer
    exception.delete()
    if customer.status == CustomerStatus.ACTIVE:
        _set_store_quota(allocation, customer, _band_cartons(allocation, customer.tier),
                         QuotaBasis.TABLE)


# --- Reads ----------------------------------------------------------------------------

def quota_notes(*, customer: Customer, cycle_start: date, product_ids) -> dict[int, str]:
    """Why the store's quota of each SKU is what it is, for the console: "档位 27 → 4 条
    (25-30 档)", or the exception's reason."""
    quotas = list(StoreQuota.objects.filter(cycle_start=cycle_start, customer=customer,
                                            product_id__in=list(product_ids))
                  .exclude(basis=QuotaBasis.MANUAL))
    if not quotas:
        return {}
    bands = {}
    for band in AllocationBand.objects.filter(allocation__cycle_start=cycle_start,
                                              allocation__product_id__in=[q.product_id
                                                                          for q in quotas]
                                              ).select_related("allocation"):
        bands.setdefault(band.allocation.product_id, []).append(band)
    reasons = dict(QuotaException.objects.filter(
        allocation__cycle_start=cycle_start, customer=customer).values_list(
        "allocation__product_id", "reason"))
    notes = {}
    for quota in quotas:
        if quota.basis == QuotaBasis.EXCEPTION:
            notes[quota.product_id] = _("Exception → %(n)d cartons: %(reason)s") % {
                "n": quota.cartons, "reason": reasons.get(quota.product_id, "")}
            continue
        band = next((b for b in bands.get(quota.product_id, [])
                     if quota.tier is not None and b.min_tier <= quota.tier <= b.max_tier),
                    None)
        if band is None:
            notes[quota.product_id] = _("No tier yet → %(n)d cartons") % {"n": quota.cartons}
        else:
            notes[quota.product_id] = _("Tier %(tier)d → %(n)d cartons (tiers %(low)d-"
                                        "%(high)d)") % {"tier": quota.tier,
                                                        "n": quota.cartons,
                                                        "low": band.min_tier,
                                                        "high": band.max_tier}
    return notes


def allocations_visible_to(user):
    require(user, Ability.SEE_ALLOCATIONS)
    return (Allocation.objects.select_related("product", "updated_by")
            .prefetch_related("bands"))


def exceptions_visible_to(user, allocation: Allocation):
    """The exceptions of the stores the user may see."""
    return (allocation.exceptions.filter(customer__in=customers_visible_to(user))
            .select_related("customer", "created_by").order_by("customer__code"))


def allocation_page(*, user, cycle: date | None, sku: str = "") -> dict:
    """The allocation page: the cycle's scarce SKUs, and one SKU's table with its figures."""
    from .services import current_cycle, cycle_start_for

    require(user, Ability.SEE_ALLOCATIONS)
    cycle = cycle_start_for(cycle or current_cycle())
    supplies = {s.product_id: s for s in CycleSupply.objects.filter(cycle_start=cycle)}
    allocations = {a.product_id: a for a in Allocation.objects.filter(cycle_start=cycle)}
    products = list(Product.objects.filter(is_scarce=True).order_by("code"))
    rows = [{"product": p, "supply": supplies.get(p.pk), "allocation": allocations.get(p.pk)}
            for p in products]
    chosen = next((r for r in rows if r["product"].code == sku), rows[0] if rows else None)
    page = {"cycle": cycle, "rows": rows, "chosen": chosen, "bands": [], "exceptions": [],
            "tier_count": grading_settings_get().tier_count,
            "is_open": cycle >= current_cycle(),
            "previous": cycle - timedelta(days=7), "next": cycle + timedelta(days=7)}
    if chosen and chosen["allocation"]:
        page["bands"] = list(chosen["allocation"].bands.order_by("-min_tier"))
        page["exceptions"] = list(exceptions_visible_to(user, chosen["allocation"]))
    return page


def allocation_page_post(*, user, page: dict, rows: list[dict], action: str,
                         exception: dict) -> dict:
    """One press on the allocation page (preview, save, exception set or removed): what to
    show next. Refusals come back as an error with its rows, nothing written."""
    require(user, Ability.SET_SUPPLY, ALLOCATORS_ONLY)
    product, cycle = page["chosen"]["product"], page["cycle"]
    allocation = page["chosen"]["allocation"]
    filled = [row for row in rows if any(str(v or "").strip() for v in row.values())]
    try:
        if action == "preview":
            figures = allocation_preview(user=user, product=product, cycle_start=cycle,
                                         rows=rows)
            return {"figures": figures, "posted_rows": filled}
        if action == "save":
            allocation_save(user=user, product=product, cycle_start=cycle, rows=rows)
            return {"saved": _("Allocation saved; the stores' quotas are written.")}
        if allocation is None:
            raise BusinessError(_("Save the allocation table first."), field="customer")
        if exception.get("remove"):
            quota_exception_remove(user=user, allocation=allocation,
                                   customer_id=exception["remove"])
            return {"saved": _("Exception removed.")}
        quota_exception_set(user=user, allocation=allocation,
                            customer_code=exception.get("customer") or "",
                            cartons=exception.get("cartons"),
                            reason=exception.get("reason") or "")
        return {"saved": _("Exception saved.")}
    except BusinessError as exc:
        return {"error": str(exc.message), "error_field": exc.field,
                "row_errors": exc.errors,
                "posted_rows": filled if action in ("preview", "save") else None,
                "posted_exception": exception}

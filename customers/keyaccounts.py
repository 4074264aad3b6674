"""Key accounts (大客户): proposed every month from the admins' criteria, confirmed or dropped
by a supervisor of the store's department (an admin for all)."""

from datetime import date

from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from .access import Ability, require
from .grading.rules import add_months
from .models import (
    COOPERATION_FIELDS,
    CooperationLevel,
    Customer,
    CustomerStatus,
    GrowthBasis,
    KeyAccount,
    KeyAccountSettings,
    KeyAccountStatus,
    MonthlyPurchase,
    Rating,
)
from .selectors import customers_visible_to
from .signals import key_account_changed


def key_account_settings() -> KeyAccountSettings:
    settings, _created = KeyAccountSettings.objects.get_or_create(pk=1)
    return settings


def growth_windows(settings: KeyAccountSettings, month: date) -> tuple[date, date, date]:
    """(base start, recent start, recent end) for proposals of `month`: the recent window
    is the three complete months before it, the base the same three months a year before
    or the three months before the recent ones."""
    recent_start, recent_end = add_months(month, -3), month
    if settings.growth_basis == GrowthBasis.PREVIOUS:
        return add_months(recent_start, -3), recent_start, recent_end
    return add_months(recent_start, -12), recent_start, recent_end


def growing_stores(settings: KeyAccountSettings, month: date) -> QuerySet:
    """Ids of the stores whose purchases grew by at least the minimum percentage, from the
    monthly summary (one grouped query). A store that bought nothing in the base window
    has no growth rate and does not qualify on growth."""
    base_start, recent_start, recent_end = growth_windows(settings, month)
    if settings.growth_basis == GrowthBasis.PREVIOUS:
        months = Q(month__gte=base_start, month__lt=recent_end)
        base = Q(month__lt=recent_start)
    else:
        base_end = add_months(base_start, 3)
        months = (Q(month__gte=base_start, month__lt=base_end)
                  | Q(month__gte=recent_start, month__lt=recent_end))
        base = Q(month__lt=base_end)
    factor = 1 + settings.min_growth_percent / 100
    return (MonthlyPurchase.objects.filter(months).values("customer_id")
            .annotate(base=Sum("amount", filter=base, default=0),
                      recent=Sum("amount", filter=~base, default=0))
            .filter(base__gt=0, recent__gte=F("base") * factor)
            .values("customer_id"))


def _cooperation(level: str) -> Q:
    allowed = [Rating.GOOD] if level == CooperationLevel.GOOD else [Rating.GOOD, Rating.FAIR]
    criteria = Q()
    for field in COOPERATION_FIELDS:
        criteria &= Q(**{f"{field}__in": allowed})
    return criteria


def _criteria(settings: KeyAccountSettings, month: date) -> Q:
    """The criteria on the stores' latest grading (grade, tier, monthly average, which the
    grading job keeps in CustomerGrade), their purchase growth and their cooperation
    ratings."""
    criteria = Q(grade__in=list(settings.grades.upper())) if settings.grades else Q()
    if settings.min_tier is not None:
        criteria &= Q(tier__gte=settings.min_tier)
    if settings.min_monthly_average is not None:
        criteria &= Q(monthly_average__gte=settings.min_monthly_average)
    if settings.min_growth_percent is not None:
        criteria &= Q(pk__in=growing_stores(settings, month))
    if settings.min_cooperation:
        criteria &= _cooperation(settings.min_cooperation)
    return criteria


@transaction.atomic
def propose_key_accounts(*, month: date) -> int:
    """Propose the stores that meet the criteria or carry a manual flag for `month`, in one
    INSERT ... SELECT; stores already proposed for that month keep their decision. Returns
    the number of new proposals."""
    month = month.replace(day=1)
    criteria = _criteria(key_account_settings(), month)
    if not criteria:  # no criterion set: only the flags
        criteria = Q(pk__in=[])
    stores = (Customer.objects.filter(status=CustomerStatus.ACTIVE)
              .filter(criteria | Q(key_account_flag__isnull=False))
              .exclude(key_accounts__month=month))
    rows = [KeyAccount(customer_id=pk, month=month, manual=flagged is not None)
            for pk, flagged in stores.values_list("pk", "key_account_flag")]
    KeyAccount.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def key_accounts_visible_to(user) -> QuerySet[KeyAccount]:
    return KeyAccount.objects.filter(customer__in=customers_visible_to(user))


@transaction.atomic
def key_account_decide(*, key_account: KeyAccount, user, confirm: bool) -> KeyAccount:
    """Confirm or drop a proposal; the store's badge follows. The caller has already
    scoped `key_account` to the user (another department's is a 404)."""
    require(user, Ability.CONFIRM_KEY_ACCOUNTS)
    key_account.status = KeyAccountStatus.CONFIRMED if confirm else KeyAccountStatus.DROPPED
    key_account.decided_by = user
    key_account.decided_at = timezone.now()
    key_account.save(update_fields=["status", "decided_by", "decided_at"])
    if Customer.objects.filter(pk=key_account.customer_id).exclude(
            is_key_account=confirm).update(is_key_account=confirm):
        key_account_changed.send(sender=Customer, customer_id=key_account.customer_id)
    return key_account

"""Key accounts (大客户): proposed every month from the admins' criteria, confirmed or dropped
by a supervisor of the store's department (an admin for all)."""

from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .access import Ability, require
from .models import Customer, CustomerStatus, KeyAccount, KeyAccountSettings, KeyAccountStatus
from .selectors import customers_visible_to


def key_account_settings() -> KeyAccountSettings:
    settings, _created = KeyAccountSettings.objects.get_or_create(pk=1)
    return settings


def _criteria(settings: KeyAccountSettings) -> Q:
    """The criteria on the stores' latest grading (grade, tier, monthly average), which the
    grading job keeps on the Customer row."""
    criteria = Q(grade__in=list(settings.grades.upper())) if settings.grades else Q()
    if settings.min_tier is not None:
        criteria &= Q(tier__gte=settings.min_tier)
    if settings.min_monthly_average is not None:
        criteria &= Q(monthly_average__gte=settings.min_monthly_average)
    return criteria


@transaction.atomic
def propose_key_accounts(*, month: date) -> int:
    """Propose the stores that meet the criteria or carry a manual flag for `month`, in one
    INSERT ... SELECT; stores already proposed for that month keep their decision. Returns
    the number of new proposals."""
    month = month.replace(day=1)
    criteria = _criteria(key_account_settings())
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
    Customer.objects.filter(pk=key_account.customer_id).update(is_key_account=confirm)
    return key_account

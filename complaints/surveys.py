"""Satisfaction surveys (满意度调查) and service call-backs (服务回访): the writes (define,
sample, answer, pick and answer call-backs) and the scoped reads (lists, results, the
store's satisfaction). Every read starts from `customers_visible_to`.

Satisfaction rate: the share of answers whose average over the five dimensions is at least
`conf.survey_satisfied_from()` (4). Its margin of error is the 95 % normal approximation
with the finite population correction: 1.96 * sqrt(p(1-p)/n) * sqrt((N-n)/(N-1)).
"""

import math
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from customers.access import Ability, can, is_admin, require
from customers.models import Customer, CustomerGrade, CustomerStatus
from customers.selectors import customers_visible_to

from . import conf
from .models import (
    Callback,
    CallbackSubject,
    Channel,
    Dimension,
    SampleMethod,
    Survey,
    SurveyAnswer,
    SurveySample,
)

Z_95 = 1.96
DIMENSIONS = Dimension.values


# --- writes ------------------------------------------------------------------------------

def _score(value, field: str) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score is None or str(score) != str(value).strip() or not 1 <= score <= 5:
        raise BusinessError(_("Give a whole score from 1 to 5."), field=field)
    return score


def survey_create(*, user, title: str, questions: dict | None = None) -> Survey:
    require(user, Ability.DEFINE_SURVEYS)
    title = (title or "").strip()
    if not title:
        raise BusinessError(_("Give the survey a title."), field="title")
    questions = {d: str((questions or {}).get(d, "")).strip() for d in DIMENSIONS}
    return Survey.objects.create(title=title, questions=questions, created_by=user)


def _population() -> QuerySet[Customer]:
    return Customer.objects.filter(status=CustomerStatus.ACTIVE)


def _allocate(strata: list[tuple], size: int, total: int) -> list[tuple]:
    """Proportional allocation by largest remainder: (territory, grade, k) summing to size."""
    shares = [(key, n, size * n / total) for *key, n in strata]
    alloc = [(key, min(n, math.floor(q))) for key, n, q in shares]
    left = size - sum(k for _key, k in alloc)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i][2] - alloc[i][1]), i))
    alloc = [list(a) for a in alloc]
    for i in order:
        if left <= 0:
            break
        if alloc[i][1] < shares[i][1]:
            alloc[i][1] += 1
            left -= 1
    return [(*key, k) for key, k in alloc if k]


@transaction.atomic
def survey_draw_sample(*, user, survey: Survey, method: str, size) -> int:
    """Draw `size` active stores into the survey's sample (replacing an earlier draw while
    nobody has answered), set-wise in PostgreSQL. Returns the sample size."""
    require(user, Ability.DEFINE_SURVEYS)
    if method not in SampleMethod.values:
        raise BusinessError(_("Choose random or stratified sampling."), field="method")
    try:
        size = int(size)
    except (TypeError, ValueError):
        size = 0
    if size < 1:
        raise BusinessError(_("The sample size must be a whole number above zero."),
                            field="size")
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.answers.exists():
        raise BusinessError(_("Stores have already answered this survey: its sample stays."),
                            field="size")
    population = _population()
    total = population.count()
    if size > total:
        raise BusinessError(
            _("A sample of %(size)s is larger than the %(total)s active stores.")
            % {"size": size, "total": total}, field="size")
    SurveySample.objects.filter(survey=survey).delete()
    table = Customer._meta.db_table
    sample_table = SurveySample._meta.db_table
    with connection.cursor() as cursor:
        if method == SampleMethod.RANDOM:
            cursor.execute(
                f"INSERT INTO {sample_table} (survey_id, customer_id) "
                f"SELECT %s, id FROM {table} WHERE status = %s ORDER BY random() LIMIT %s",
                [survey.pk, CustomerStatus.ACTIVE, size])
        else:
            strata = list(population.values_list("territory_id", "grade")
                          .annotate(n=Count("pk")).order_by("territory_id", "grade"))
            alloc = _allocate(strata, size, total)
            cursor.execute(
                f"""
                WITH alloc AS (
                    SELECT * FROM unnest(%s::int[], %s::text[], %s::int[]) AS a(t, g, k)),
                ranked AS (
                    SELECT c.id, c.territory_id, COALESCE(g.grade, '') AS grade,
                           row_number() OVER (PARTITION BY c.territory_id,
                                              COALESCE(g.grade, '') ORDER BY random()) AS rn
                    FROM {table} c
                    LEFT JOIN {CustomerGrade._meta.db_table} g ON g.customer_id = c.id
                    WHERE c.status = %s)
                INSERT INTO {sample_table} (survey_id, customer_id)
                SELECT %s, r.id FROM ranked r JOIN alloc a
                  ON a.t IS NOT DISTINCT FROM r.territory_id
                 AND a.g IS NOT DISTINCT FROM r.grade
                WHERE r.rn <= a.k""",
                [[a[0] for a in alloc], [a[1] for a in alloc], [a[2] for a in alloc],
                 CustomerStatus.ACTIVE, survey.pk])
    survey.sample_method, survey.sample_size = method, size
    survey.population_size, survey.sampled_at = total, timezone.now()
    survey.save(update_fields=["sample_method", "sample_size", "population_size",
                               "sampled_at"])
    return size


def survey_answer(*, user, survey: Survey, customer: Customer, comment: str = "",
                  **scores) -> SurveyAnswer:
    """Record a sampled store's answer: a clerk asks by phone, its manager at a visit."""
    require(user, Ability.ANSWER_SURVEYS)
    if not customers_visible_to(user).filter(pk=customer.pk).exists():
        raise BusinessError(_("You cannot ask this store."), field="customer")
    values = {d: _score(scores.get(d), d) for d in DIMENSIONS}
    if not SurveySample.objects.filter(survey=survey, customer=customer).exists():
        raise BusinessError(_("This store is not in the survey's sample."), field="customer")
    channel = Channel.VISIT if user.role == "manager" else Channel.PHONE
    try:
        with transaction.atomic():
            answer = SurveyAnswer.objects.create(
                survey=survey, customer=customer, channel=channel, answered_by=user,
                comment=(comment or "").strip(), **values)
            store_satisfaction_refresh(customer=customer)
            return answer
    except IntegrityError:
        raise BusinessError(_("This store has already answered this survey."),
                            field="customer") from None


def store_satisfaction_refresh(*, customer) -> int | None:
    """The store's satisfaction (1-5) on its record, derived, never typed by hand: the
    mean of the store's latest survey answer (its five dimensions' average) and its latest
    complaint call-back score, rounded; unchanged while the store has neither."""
    figures = customer_satisfaction(customer=customer)
    values = [v for v in (figures["survey_average"], figures["complaint_satisfaction"])
              if v is not None]
    if not values:
        return None
    value = int(Decimal(str(sum(values) / len(values))).quantize(Decimal("1"),
                                                                 rounding=ROUND_HALF_UP))
    Customer.objects.filter(pk=customer.pk).update(satisfaction=value)
    return value


def callbacks_pick(*, share: int | None = None) -> int:
    """Put a deterministic share of finished visits and confirmed orders on the call-back
    list: those whose md5 of "visit:<id>" / "order:<id>" falls below the share. Set-wise
    and idempotent. Returns how many were added."""
    from phone_orders.models import Order, OrderStatus
    from visits.models import Visit, VisitStatus

    share = conf.callback_share_percent() if share is None else share
    since = timezone.localdate() - timedelta(days=conf.callback_window_days())
    table = Callback._meta.db_table
    added = 0
    pick = "(('x' || substr(md5(%s || s.id::text), 1, 8))::bit(32)::bigint %% 100) < %s"
    with connection.cursor() as cursor:
        # Recent ones only, and orders someone took (an imported order has nobody to rate).
        for subject, model, status, person, column, recent in (
                (CallbackSubject.VISIT, Visit, VisitStatus.DONE, "manager_id", "visit_id",
                 "s.date >= %s"),
                (CallbackSubject.ORDER, Order, OrderStatus.CONFIRMED, "taken_by_id",
                 "order_id", "s.order_date >= %s AND s.taken_by_id IS NOT NULL")):
            cursor.execute(
                f"""INSERT INTO {table} (subject, {column}, customer_id, served_by_id,
                                         created_at, remarks)
                    SELECT %s, s.id, s.customer_id, s.{person}, now(), ''
                    FROM {model._meta.db_table} s
                    WHERE s.status = %s AND {recent} AND {pick}
                      AND NOT EXISTS (SELECT 1 FROM {table} c WHERE c.{column} = s.id)""",
                [subject, status, since, f"{subject}:", share])
            added += cursor.rowcount
    return added


def callback_answer(*, user, callback: Callback, as_agreed, attitude,
                    remarks: str = "") -> Callback:
    require(user, Ability.ANSWER_CALLBACKS)
    if as_agreed not in (True, False):
        raise BusinessError(_("Say whether it was done as agreed."), field="as_agreed")
    attitude = _score(attitude, "attitude")
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if callback.answered_at:
            raise BusinessError(_("This call-back has already been answered."))
        callback.as_agreed, callback.attitude = as_agreed, attitude
        callback.remarks = (remarks or "").strip()
        callback.answered_by, callback.answered_at = user, timezone.now()
        callback.save()
    return callback


# --- reads -------------------------------------------------------------------------------

def surveys_visible_to(user) -> QuerySet[Survey]:
    """Surveys are not scoped rows (their answers are): anyone who asks or reads them."""
    if any(can(user, a) for a in (Ability.DEFINE_SURVEYS, Ability.ANSWER_SURVEYS,
                                  Ability.SEE_SURVEY_RESULTS)):
        return Survey.objects.all()
    return Survey.objects.none()


def survey_get(*, user, pk) -> Survey:
    return get_object_or_404(surveys_visible_to(user), pk=pk)


def answers_visible_to(user) -> QuerySet[SurveyAnswer]:
    return SurveyAnswer.objects.filter(customer__in=customers_visible_to(user))


def open_surveys_for(*, user, customer) -> list[Survey]:
    """Surveys that sampled this store and it has not answered yet."""
    return list(Survey.objects.filter(sample__customer=customer)
                .exclude(answers__customer=customer).order_by("-created_at"))


def margin_of_error(p: float, n: int, population: int) -> float | None:
    """95 % margin of error of a share `p` from `n` answers out of `population` stores."""
    if n <= 0:
        return None
    fpc = 1.0 if population <= 1 else max(population - n, 0) / (population - 1)
    return Z_95 * math.sqrt(p * (1 - p) / n) * math.sqrt(fpc)


def _average_expr():
    return sum((F(d) for d in DIMENSIONS[1:]), F(DIMENSIONS[0])) / 5.0


def _figures(rows: QuerySet, population: int) -> dict:
    agg = rows.annotate(avg=Cast(_average_expr(), FloatField())).aggregate(
        n=Count("pk"), mean=Avg("avg"),
        satisfied=Count("pk", filter=Q(avg__gte=conf.survey_satisfied_from())))
    n = agg["n"]
    rate = agg["satisfied"] / n if n else None
    moe = margin_of_error(rate, n, population) if n else None
    return {"responses": n, "population": population,
            "mean_score": round(agg["mean"], 2) if agg["mean"] is not None else None,
            "satisfaction_rate": round(rate, 4) if rate is not None else None,
            "margin_of_error": round(moe, 4) if moe is not None else None}


def survey_results(*, user, survey: Survey) -> dict:
    """Figures by territory, manager and dimension over the answers the user may see."""
    require(user, Ability.SEE_SURVEY_RESULTS)
    answers = answers_visible_to(user).filter(survey=survey)
    visible = customers_visible_to(user).filter(status=CustomerStatus.ACTIVE)
    population = (survey.population_size or 0) if is_admin(user) else visible.count()
    overall = _figures(answers, population)

    def grouped(key: str, label: str):
        sizes = dict(visible.values_list(key).annotate(n=Count("pk")).values_list(key, "n"))
        keys = answers.values_list(f"customer__{key}", f"customer__{label}").distinct()
        out = []
        for pk, name in sorted(set(keys), key=lambda kv: str(kv[1])):
            rows = answers.filter(**{f"customer__{key}": pk})
            out.append({"id": pk, "name": name or "—",
                        **_figures(rows, sizes.get(pk, 0))})
        return out

    dimensions = []
    n = overall["responses"]
    for d in DIMENSIONS:
        agg = answers.aggregate(mean=Avg(d), good=Count("pk", filter=Q(**{f"{d}__gte": 4})))
        rate = agg["good"] / n if n else None
        moe = margin_of_error(rate, n, population) if n else None
        dimensions.append({"dimension": d, "label": str(Dimension(d).label),
                           "mean_score": round(agg["mean"], 2) if agg["mean"] else None,
                           "satisfaction_rate": round(rate, 4) if rate is not None else None,
                           "margin_of_error": round(moe, 4) if moe is not None else None})
    return {"survey": survey.pk, "title": survey.title, "overall": overall,
            "territories": grouped("territory_id", "territory__name"),
            "managers": grouped("manager_id", "manager__username"),
            "dimensions": dimensions}


def customer_satisfaction(*, customer) -> dict:
    """The store's satisfaction for its card: its latest survey answer and the latest
    complaint call-back and service call-back scores."""
    from .models import Complaint

    latest = SurveyAnswer.objects.filter(customer=customer).select_related("survey").first()
    complaint = (Complaint.objects.filter(customer=customer, satisfaction__isnull=False)
                 .order_by("-pk").values_list("satisfaction", flat=True).first())
    callbacks = Callback.objects.filter(customer=customer, attitude__isnull=False)
    attitude = callbacks.aggregate(avg=Avg("attitude"), n=Count("pk"))
    return {"survey_answer": latest,
            "survey_average": round(latest.average, 1) if latest else None,
            "complaint_satisfaction": complaint,
            "callback_attitude": round(attitude["avg"], 1) if attitude["avg"] else None,
            "callback_count": attitude["n"]}


def callbacks_visible_to(user) -> QuerySet[Callback]:
    return (Callback.objects.filter(customer__in=customers_visible_to(user))
            .select_related("customer", "served_by", "visit", "order"))


def callback_scores(*, users=None, start=None, end=None) -> QuerySet:
    """Mean call-back attitude per person served, for scorecards."""
    rows = Callback.objects.filter(attitude__isnull=False)
    if users is not None:
        rows = rows.filter(served_by__in=users)
    if start:
        rows = rows.filter(answered_at__date__gte=start)
    if end:
        rows = rows.filter(answered_at__date__lt=end)
    return rows.values("served_by").annotate(score=Avg("attitude"), n=Count("pk"),
                                             kept=Count("pk", filter=Q(as_agreed=True)))


# --- blocks on the store screens (registered in apps.py) ---------------------------------

def survey_block_context(*, customer, user) -> dict:
    """The open surveys this user may ask this store, each with its answer form."""
    from .forms import SurveyAnswerForm

    if not can(user, Ability.ANSWER_SURVEYS):
        return {"open_surveys": []}
    return {"open_surveys": [
        {"survey": s, "form": SurveyAnswerForm(initial={"survey": s.pk, "customer": customer.pk},
                                               prefix=None)}
        for s in open_surveys_for(user=user, customer=customer)]}


def satisfaction_card_context(*, customer, user) -> dict:
    return {"sat": customer_satisfaction(customer=customer)}

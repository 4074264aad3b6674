"""Churn risk as a learned, back-tested probability: pure functions, arrays in, arrays out.

Data: one row per store and one column per order week (Monday), holding the store's
confirmed purchases of that week (0 when it did not order).

* a cut-off is a week index t: the features see weeks < t only; the label of a store at t
  is 1 when it places no order in weeks t .. t + horizon - 1;
* a store is scored at t when it ordered at least once in the look-back year before t;
  the model is trained and back-tested on the stores that ordered in the 13 weeks before
  t (one silent for longer is already lost, and would flatter any ranking by recency);
* features (FEATURES): weeks since its last order, its own usual interval (mean gap
  between order weeks) and the recency in those intervals, the regularity of its gaps
  (their coefficient of variation), order weeks in the last 13 and in the year, the trend
  of its purchases (last 13 weeks against its weekly average of the 39 before), its size
  (log of the weekly average), its age, and its grade (A=0, B=1, C=2) and tier when known;
* facts the apps above customers keep (open complaints, visits) come in as extra columns
  from the feature providers registered in features.py, computed at each cut-off from the
  rows before it only;
* training and back-test rows are a stratified sample of each cut-off's eligible stores
  (the same rate for the stores that stop and those that keep ordering, so the share of
  stoppers, and thus the calibration, is that of the population): at most MAX_TRAIN_ROWS
  and MAX_TEST_ROWS in all, features computed for the sampled stores only;
* the model is scikit-learn's HistGradientBoostingClassifier fitted on 80 % of the training
  rows and calibrated on the other 20 % (isotonic when there are enough rows, sigmoid
  otherwise) so that its output is a probability;
* the back-test holds out the latest cut-offs, trained on none of their weeks; the
  baseline ranks by weeks since the last order, turned into a probability by an isotonic
  fit on the same training rows, and is measured the same way.
"""

import io
from dataclasses import dataclass, field

import joblib
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

LOOKBACK_WEEKS = 52
MIN_LOOKBACK_WEEKS = 8
RECENT_BUYER_WEEKS = 13
MIN_HISTORY_WEEKS = 26
CUTOFF_STEP_WEEKS = 2
TEST_CUTOFFS = 4
MAX_TRAIN_CUTOFFS = 8
# A larger sample costs far more time than it gives AUC: at 100,000 stores 120,000 rows fit
# in a tenth of the time of 400,000 for the same back-test AUC to the third decimal.
MAX_TRAIN_ROWS = 120_000
MAX_TEST_ROWS = 200_000
ISOTONIC_MIN_ROWS = 2_000
CALIBRATION_SHARE = 0.2
# Below this many rows one thread is faster: OpenMP's waiting threads cost more than they
# give on a small fit, and much more on a busy machine.
SINGLE_THREAD_ROWS = 200_000

WEEK_FEATURES = ["weeks_since_last", "usual_interval_weeks", "recency_in_intervals",
            "gap_variation", "order_weeks_13", "order_weeks_52", "purchase_trend",
            "size_log", "age_weeks", "grade", "tier"]
FEATURES = WEEK_FEATURES  # without feature providers; a model records its own columns
BASELINE_FEATURE = "weeks_since_last"


def week_features(amounts: np.ndarray, t: int, grades: np.ndarray | None = None,
                  tiers: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of every store at cut-off t, and the mask of the stores scored (an order
    in the look-back year)."""
    first_col = max(0, t - LOOKBACK_WEEKS)
    window = amounts[:, first_col:t]
    width = window.shape[1]
    ordered = window > 0
    count = ordered.sum(axis=1)
    scored = count > 0
    positions = np.arange(width)
    last = np.where(ordered, positions, -1).max(axis=1)
    first = np.where(ordered, positions, width).min(axis=1)
    weeks_since = (width - last).astype("float64")
    gaps_total = (last - first).astype("float64")
    interval = np.where(count >= 2, gaps_total / np.maximum(count - 1, 1), np.nan)
    # The coefficient of variation of each store's gaps, from sums per row.
    rows, cols = np.nonzero(ordered)
    same = rows[1:] == rows[:-1]
    gaps = (cols[1:] - cols[:-1])[same].astype("float64")
    gap_rows = rows[1:][same]
    n = np.bincount(gap_rows, minlength=len(amounts))
    total = np.bincount(gap_rows, weights=gaps, minlength=len(amounts))
    squares = np.bincount(gap_rows, weights=gaps ** 2, minlength=len(amounts))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        variation = np.sqrt(np.maximum(squares / n - mean ** 2, 0)) / mean
        recent = window[:, -13:].sum(axis=1)
        before_width = max(width - 13, 0)
        before = window[:, :before_width].sum(axis=1)
        trend = np.where(before > 0, (recent / 13) / (before / max(before_width, 1)), np.nan)
        size = np.log1p(window.sum(axis=1) / np.maximum(width - first, 1))
    all_ordered = amounts[:, :t] > 0
    ever_first = np.where(all_ordered, np.arange(t), t).min(axis=1)
    frame = pd.DataFrame({
        "weeks_since_last": weeks_since,
        "usual_interval_weeks": interval,
        "recency_in_intervals": weeks_since / interval,
        "gap_variation": np.where(n >= 2, variation, np.nan),
        "order_weeks_13": ordered[:, -13:].sum(axis=1).astype("float64"),
        "order_weeks_52": count.astype("float64"),
        "purchase_trend": trend,
        "size_log": size,
        "age_weeks": np.minimum(t - ever_first, 104).astype("float64"),
        "grade": grades if grades is not None else np.full(len(amounts), np.nan),
        "tier": tiers if tiers is not None else np.full(len(amounts), np.nan),
    })
    return frame, scored


def week_labels(amounts: np.ndarray, t: int, horizon: int) -> np.ndarray:
    """1 where the store places no order in weeks t .. t + horizon - 1."""
    return (amounts[:, t:t + horizon] > 0).sum(axis=1) == 0


def cutoffs_plan(weeks: int, first_week: int, horizon: int) -> tuple[list[int], list[int]]:
    """(training cut-offs, test cut-offs), oldest first: the test ones are the latest whose
    labels are known; training ones end their labels before the first test cut-off."""
    latest = weeks - horizon
    earliest = first_week + MIN_LOOKBACK_WEEKS
    # As many test cut-offs as the history allows while one training cut-off remains.
    count = TEST_CUTOFFS
    while count > 1 and latest - CUTOFF_STEP_WEEKS * (count - 1) - horizon < earliest:
        count -= 1
    test = [latest - CUTOFF_STEP_WEEKS * i for i in range(count)][::-1]
    train = []
    t = test[0] - horizon
    while t >= earliest and len(train) < MAX_TRAIN_CUTOFFS:
        train.append(t)
        t -= CUTOFF_STEP_WEEKS
    return train[::-1], [c for c in test if c >= earliest]


def recent_buyers(amounts: np.ndarray, t: int) -> np.ndarray:
    """The stores learned and measured on at cut-off t: an order in the 13 weeks before it
    (one silent for a quarter is already lost, and counting it would flatter any ranking
    by recency)."""
    return (amounts[:, max(0, t - RECENT_BUYER_WEEKS):t] > 0).any(axis=1)


def stratified_sample(eligible: np.ndarray, labels: np.ndarray, size: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Row indices of at most `size` eligible rows, drawn at the same rate among the
    positive and the negative labels (all of them when there are not more)."""
    rows = np.flatnonzero(eligible)
    if len(rows) <= size:
        return rows
    rate = size / len(rows)
    chosen = []
    for value in (True, False):
        stratum = rows[labels[rows] == value]
        take = min(len(stratum), int(round(len(stratum) * rate)))
        chosen.append(rng.choice(stratum, take, replace=False))
    return np.sort(np.concatenate(chosen))


def rows_at(amounts: np.ndarray, cutoffs: list[int], horizon: int, grades_at=None,
            tiers_at=None, extras_at=None, *, max_rows: int = MAX_TRAIN_ROWS, seed: int = 0
            ) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Features and labels of a stratified sample of the recent buyers at each cut-off (at
    most max_rows in all), and the sampling figures (eligible rows, rows, rate).

    grades_at(t) and tiers_at(t) give an array over every store; extras_at(t, rows) the
    providers' columns for the given store rows, as of cut-off t."""
    rng = np.random.default_rng(seed)
    per_cutoff = max_rows // max(len(cutoffs), 1)
    frames, labels = [], []
    eligible_total = 0
    for t in cutoffs:
        eligible = recent_buyers(amounts, t)
        eligible_total += int(eligible.sum())
        labels_all = week_labels(amounts, t, horizon)
        rows = stratified_sample(eligible, labels_all, per_cutoff, rng)
        grades = grades_at(t)[rows] if grades_at else None
        tiers = tiers_at(t)[rows] if tiers_at else None
        frame, _scored = week_features(amounts[rows], t, grades, tiers)
        if extras_at is not None:
            extra = extras_at(t, rows)
            for column in extra.columns:
                frame[column] = extra[column].to_numpy()
        frames.append(frame)
        labels.append(labels_all[rows])
    sampled = sum(len(f) for f in frames)
    sampling = {"eligible_rows": eligible_total, "rows": sampled,
                "rate": round(sampled / eligible_total, 4) if eligible_total else None}
    if not frames:
        return pd.DataFrame(columns=FEATURES), np.zeros(0, dtype=bool), sampling
    return pd.concat(frames, ignore_index=True), np.concatenate(labels), sampling


def model_columns(features: pd.DataFrame) -> list[str]:
    """The columns a model learns from: the weekly features, then the providers' columns
    present in the frame, in the frame's order."""
    return WEEK_FEATURES + [c for c in features.columns if c not in WEEK_FEATURES]


def _prepared(features: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The model's columns; an unknown grade or tier is its own value (-1), and a column
    with no value at all is -1 throughout (scikit-learn's histogram binning refuses a
    column that is entirely missing). A column the model knows that the frame lacks (a
    provider no longer registered) is missing throughout."""
    columns = columns or model_columns(features)
    prepared = features.reindex(columns=columns).astype("float64")
    prepared[["grade", "tier"]] = prepared[["grade", "tier"]].fillna(-1)
    empty = prepared.columns[prepared.isna().all()]
    prepared[empty] = -1.0
    return prepared


def model_fit(features: pd.DataFrame, labels: np.ndarray, *, seed: int = 0):
    """The booster fitted on a seeded 80 % of the rows, calibrated on the other 20 %."""
    prepared = _prepared(features)
    calibration = np.random.default_rng(seed).random(len(labels)) < CALIBRATION_SHARE
    if labels[calibration].all() or not labels[calibration].any():
        calibration[:] = False  # too few rows to hold out: calibrate on the training rows
    fit_rows = ~calibration if calibration.any() else np.ones(len(labels), dtype=bool)
    calibrate_rows = calibration if calibration.any() else fit_rows
    booster = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08,
                                             max_leaf_nodes=15, min_samples_leaf=20,
                                             l2_regularization=1.0, random_state=seed)
    method = "isotonic" if calibrate_rows.sum() >= ISOTONIC_MIN_ROWS else "sigmoid"
    with _threads(len(features)):
        booster.fit(prepared[fit_rows], labels[fit_rows])
        model = CalibratedClassifierCV(FrozenEstimator(booster), method=method)
        model.fit(prepared[calibrate_rows], labels[calibrate_rows])
    return model


def _threads(rows: int):
    return threadpool_limits(limits=1 if rows < SINGLE_THREAD_ROWS else None)


def baseline_fit(features: pd.DataFrame, labels: np.ndarray) -> IsotonicRegression:
    baseline = IsotonicRegression(out_of_bounds="clip", increasing=True, y_min=0, y_max=1)
    baseline.fit(features[BASELINE_FEATURE].to_numpy(), labels.astype("float64"))
    return baseline


def learned_columns(model) -> list[str]:
    """The columns a fitted model was trained on, in order."""
    names = getattr(model, "feature_names_in_", None)
    return list(names) if names is not None else list(WEEK_FEATURES)


def model_predict(model, features: pd.DataFrame) -> np.ndarray:
    with _threads(len(features)):
        return model.predict_proba(_prepared(features, learned_columns(model)))[:, 1]


def scores_measure(probability: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """AUC, precision and recall at the threshold, and predicted against observed by
    decile of the prediction."""
    labels = labels.astype(bool)
    flagged = probability >= threshold
    true_positive = int((flagged & labels).sum())
    auc = float(roc_auc_score(labels, probability)) if 0 < labels.sum() < len(labels) \
        else None
    order = np.argsort(probability, kind="mergesort")
    deciles = []
    for number, part in enumerate(np.array_split(order, 10), start=1):
        if len(part):
            deciles.append({"decile": number, "stores": int(len(part)),
                            "predicted": round(float(probability[part].mean()), 4),
                            "observed": round(float(labels[part].mean()), 4)})
    return {
        "auc": None if auc is None else round(auc, 4),
        "precision": round(true_positive / flagged.sum(), 4) if flagged.sum() else None,
        "recall": round(true_positive / labels.sum(), 4) if labels.sum() else None,
        "flagged": int(flagged.sum()), "positives": int(labels.sum()),
        "rows": int(len(labels)), "calibration": deciles,
    }


@dataclass
class BackTest:
    train_cutoffs: list[int]
    test_cutoffs: list[int]
    model: object
    metrics: dict = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)
    train_rows: int = 0
    train_positives: int = 0
    sampling: dict = field(default_factory=dict)
    features: list = field(default_factory=list)

    @property
    def beats_baseline(self) -> bool:
        model_auc, baseline_auc = self.metrics.get("auc"), self.baseline.get("auc")
        return model_auc is not None and baseline_auc is not None and \
            model_auc >= baseline_auc


def back_test(amounts: np.ndarray, *, first_week: int, horizon: int, threshold: float,
              grades_at=None, tiers_at=None, extras_at=None,
              max_train_rows: int = MAX_TRAIN_ROWS, max_test_rows: int = MAX_TEST_ROWS
              ) -> BackTest:
    """Train on the older cut-offs, measure on the latest ones (see the module)."""
    train_cutoffs, test_cutoffs = cutoffs_plan(amounts.shape[1], first_week, horizon)
    train_x, train_y, train_sampling = rows_at(amounts, train_cutoffs, horizon, grades_at,
                                               tiers_at, extras_at, max_rows=max_train_rows)
    test_x, test_y, test_sampling = rows_at(amounts, test_cutoffs, horizon, grades_at,
                                            tiers_at, extras_at, max_rows=max_test_rows,
                                            seed=1)
    result = BackTest(train_cutoffs, test_cutoffs, None, train_rows=len(train_y),
                      train_positives=int(train_y.sum()),
                      sampling={"train": train_sampling, "test": test_sampling},
                      features=model_columns(train_x))
    if not len(test_y) or train_y.sum() < 3 or (~train_y).sum() < 3:
        return result
    result.model = model_fit(train_x, train_y)
    result.metrics = scores_measure(model_predict(result.model, test_x), test_y, threshold)
    baseline = baseline_fit(train_x, train_y)
    result.baseline = scores_measure(
        baseline.predict(test_x[BASELINE_FEATURE].to_numpy()), test_y, threshold)
    return result


def model_dump(model) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return buffer.getvalue()


def model_load(data: bytes):
    return joblib.load(io.BytesIO(bytes(data)))

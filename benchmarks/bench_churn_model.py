"""Churn model at scale, in memory: back-test and training, then scoring, for N stores with
a year of weekly history (synthetic: weekly, fortnightly and four-weekly cycles; 10 % stop
at some week, fading for eight weeks before). The database reads are COPY of one
(store, week, amount) row per order week and are not timed here.

    .venv/bin/python benchmarks/bench_churn_model.py [stores] [--baseline]
                                                             (default 1,000,000)

--baseline also times the way before the stratified sample in the same run (400,000
training rows, every eligible test row), for the ratio; it takes minutes at 1,000,000.
Under `make bench` (run(stdout)), BENCH_CHURN_MODEL_STORES sets the stores and
BENCH_CHURN_MODEL_BASELINE=0 skips the baseline.
"""

import os
import resource
import sys
import time

import numpy as np
import pandas as pd

from customers.grading import churn_model


def synthetic(stores: int, weeks: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cycle = rng.choice([1, 2, 4], size=stores, p=[0.7, 0.2, 0.1])
    phase = rng.integers(0, 4, size=stores) % cycle
    stop = np.where(rng.random(stores) < 0.10, rng.integers(8, weeks + 8, size=stores), 10**6)
    level = np.minimum(rng.lognormal(6, 1.2, size=stores), 200_000).astype("float32")
    amounts = np.zeros((stores, weeks), dtype="float32")
    for week in range(weeks):
        fading = (week >= stop - 8) & (week < stop)
        on = ((week + phase) % cycle == 0) & (week < stop)
        on &= rng.random(stores) >= np.where(fading, 0.3, 0.03)
        amounts[:, week] = np.where(on, level * cycle * np.where(fading, 0.6, 1.0), 0)
    return amounts


def main(stores: int, baseline: bool = False) -> None:
    started = time.perf_counter()
    amounts = synthetic(stores, 52)
    built = time.perf_counter()
    test = churn_model.back_test(amounts, first_week=0, horizon=8, threshold=0.5)
    trained = time.perf_counter()
    features, scored = churn_model.week_features(amounts, amounts.shape[1])
    risk = churn_model.model_predict(test.model, features[scored])
    scoring = time.perf_counter()
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"{stores:,} stores x 52 weeks (built in {built - started:.1f} s)")
    print(f"  back-test + training: {trained - built:.1f} s "
          f"({test.train_rows:,} training rows, sample rate "
          f"{test.sampling['train']['rate']}, cut-offs {test.train_cutoffs} / "
          f"{test.test_cutoffs})")
    print(f"  scoring every store:  {scoring - trained:.1f} s ({int(scored.sum()):,} scored, "
          f"mean risk {pd.Series(risk).mean():.3f})")
    print(f"  AUC model {test.metrics['auc']} vs baseline days-since-last-order "
          f"{test.baseline['auc']}; precision/recall at 50 %: "
          f"{test.metrics['precision']}/{test.metrics['recall']} vs "
          f"{test.baseline['precision']}/{test.baseline['recall']}")
    print(f"  peak memory {peak_gb:.2f} GB; total {scoring - started:.1f} s")
    if baseline:
        before = time.perf_counter()
        old = churn_model.back_test(amounts, first_week=0, horizon=8, threshold=0.5,
                                    max_train_rows=400_000, max_test_rows=10**9)
        seconds = time.perf_counter() - before
        print(f"  before (400,000 training rows, all test rows): {seconds:.1f} s, AUC "
              f"{old.metrics['auc']}; ratio {seconds / (trained - built):.1f}x")


def run(stdout) -> None:
    """`make bench`: the model at BENCH_CHURN_MODEL_STORES stores, with the baseline."""
    stdout.flush()
    main(int(os.environ.get("BENCH_CHURN_MODEL_STORES", "1000000")),
         baseline=os.environ.get("BENCH_CHURN_MODEL_BASELINE", "1") != "0")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else 1_000_000, "--baseline" in sys.argv)

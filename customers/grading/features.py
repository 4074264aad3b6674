"""Churn model features that the apps above customers know: open complaints, visits.

customers sits at the bottom of the dependency line and never names those apps. Each
registers a provider here from its `AppConfig.ready()` (as with the store card's blocks in
customers/cards.py); training computes every provider's columns at each back-test cut-off
and scoring at the scan's date.

A provider's `compute(cutoff)` returns a frame indexed by customer_id with its columns,
computed set-wise from the rows *before* the cut-off only (a complaint received, a visit
made or a complaint closed on or after it must not change the figures: no leakage). Stores
without a row take the provider's default (0 for a count, NaN for "days since" when there
is nothing to count from).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FeatureProvider:
    name: str
    columns: tuple[str, ...]
    compute: Callable[[date], pd.DataFrame]
    defaults: dict


_providers: dict[str, FeatureProvider] = {}


def register_churn_features(name: str, columns: list[str] | tuple[str, ...],
                            compute: Callable[[date], pd.DataFrame],
                            defaults: dict | None = None) -> None:
    """Add `columns` to the churn model's features, computed by `compute(cutoff)`.
    Registering the same name again replaces it."""
    defaults = defaults or {}
    unknown = set(defaults) - set(columns)
    if unknown:
        raise ValueError(f"defaults for unknown columns {sorted(unknown)}")
    _providers[name] = FeatureProvider(name, tuple(columns), compute, dict(defaults))


def churn_feature_providers() -> list[FeatureProvider]:
    return [_providers[name] for name in sorted(_providers)]


def provider_columns() -> list[str]:
    return [column for provider in churn_feature_providers() for column in provider.columns]


def features_at(customer_ids: np.ndarray, cutoff: date) -> pd.DataFrame:
    """Every provider's columns for the given stores (in that order), as of the cut-off."""
    frame = pd.DataFrame(index=pd.Index(customer_ids, name="customer_id"))
    for provider in churn_feature_providers():
        values = provider.compute(cutoff)
        for column in provider.columns:
            known = values[column] if column in values else pd.Series(dtype="float64")
            filled = known.reindex(frame.index).astype("float64")
            frame[column] = filled.fillna(provider.defaults.get(column, np.nan))
    return frame.reset_index(drop=True)

"""Probabilistic customer-base models: who is still alive, what they will buy, what they are worth.

custrel judges a customer "lost" by rules (silence longer than a span or a multiple
of the customer's own cadence). Analysts check such rules against the standard
models of repeat buying, fitted here by maximum likelihood:

- `BetaGeo` (BG/NBD), `ModifiedBetaGeo` (MBG/NBD) and `ParetoNBD`: repeat purchases
  in continuous time, from each customer's ``frequency`` (repeat purchases),
  ``recency`` (time of the last purchase since the first) and ``T`` (time since
  the first purchase);
- `BetaGeoBetaBinom` (BG/BB): the same in discrete time (one chance per period);
- `GammaGamma`: spend per purchase, for lifetime value.

Each class's ``fit`` returns an immutable fitted value with ``params``, the total
``log_likelihood``, standard errors and confidence intervals, the optimiser's
report, and vectorised predictions. `score` puts them into per-customer columns;
`calibration_holdout` checks a model against a holdout period.

Importing this package loads no numpy or scipy; the names below load them when
first used.

Example:
    >>> from custrel.clv import BetaGeo
    >>> model = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> float(model.p_alive([0], [0.0], [38.86])[0])  # no repeat purchase yet: alive
    1.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custrel.clv._bgbb import BetaGeoBetaBinom
    from custrel.clv._bgnbd import BetaGeo, ModifiedBetaGeo
    from custrel.clv._data import SufficientStatistic, sufficient_statistic
    from custrel.clv._errors import FitFailed, UnidentifiableData
    from custrel.clv._fit import (
        PARAMETER_LABELS,
        Estimate,
        FittedModel,
        ModelKind,
        OptimiserReport,
        from_json,
    )
    from custrel.clv._gamma import GammaGamma
    from custrel.clv._pareto import ParetoNBD
    from custrel.clv._score import Scores, score
    from custrel.clv._transaction import TransactionModel
    from custrel.clv._validate import FrequencyRow, TrackingRow, Validation, calibration_holdout

__all__ = [
    "PARAMETER_LABELS",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "Estimate",
    "FitFailed",
    "FittedModel",
    "FrequencyRow",
    "GammaGamma",
    "ModelKind",
    "ModifiedBetaGeo",
    "OptimiserReport",
    "ParetoNBD",
    "Scores",
    "SufficientStatistic",
    "TrackingRow",
    "TransactionModel",
    "UnidentifiableData",
    "Validation",
    "calibration_holdout",
    "from_json",
    "score",
    "sufficient_statistic",
]

_HOMES = {
    "BetaGeo": "_bgnbd",
    "ModifiedBetaGeo": "_bgnbd",
    "ParetoNBD": "_pareto",
    "BetaGeoBetaBinom": "_bgbb",
    "GammaGamma": "_gamma",
    "SufficientStatistic": "_data",
    "sufficient_statistic": "_data",
    "FitFailed": "_errors",
    "UnidentifiableData": "_errors",
    "PARAMETER_LABELS": "_fit",
    "Estimate": "_fit",
    "FittedModel": "_fit",
    "ModelKind": "_fit",
    "OptimiserReport": "_fit",
    "from_json": "_fit",
    "Scores": "_score",
    "score": "_score",
    "TransactionModel": "_transaction",
    "FrequencyRow": "_validate",
    "TrackingRow": "_validate",
    "Validation": "_validate",
    "calibration_holdout": "_validate",
}


def __getattr__(name: str) -> object:
    """Load the module that defines ``name`` on first use (numpy and scipy come with it)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'custrel.clv' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"custrel.clv.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not."""
    return sorted(__all__)

"""custrel: customer-relationship management as typed, tested code.

Modules, one per domain concept (see ``docs/``):

- :mod:`custrel.lifecycle` — the customer lifecycle state machine (seed 001 §1);
- :mod:`custrel.scoring` — good versus bad customers, big-customer risks;
- :mod:`custrel.pyramid` — the customer pyramid and tier policies;
- :mod:`custrel.complaints` — the seven-step complaint workflow;
- :mod:`custrel.retention` — churn and its economics: leaky bucket, churn cost, lifetime value;
- :mod:`custrel.countermeasures`, :mod:`custrel.satisfaction`, :mod:`custrel.winback`,
  :mod:`custrel.retention_audit` — what to do about churn, satisfaction, win-back cases,
  and the audit against the eight mistakes that lose customers;
- :mod:`custrel.acquisition` — prospecting methods and plans;
- :mod:`custrel.profile` — customer-information profiles with privacy by design;
- :mod:`custrel.report` — the batch engine behind ``custrel report``.

Importing ``custrel`` loads none of numpy, pyarrow, pandas or polars; the batch
engine imports them when it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["__version__", "analyze"]

if TYPE_CHECKING:
    from custrel.report import analyze


def __getattr__(name: str) -> object:
    """Load ``custrel.analyze`` (the batch engine) on first use, keeping the import light."""
    if name == "analyze":
        from custrel.report import analyze

        return analyze
    raise AttributeError(f"module 'custrel' has no attribute {name!r}")

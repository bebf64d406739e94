"""custrel: customer-relationship management as typed, tested code.

Modules, one per domain concept (see ``docs/``):

- `custrel.lifecycle` — the customer lifecycle state machine (the CRM chapter §1);
- `custrel.scoring` — good versus bad customers, big-customer risks;
- `custrel.pyramid` — the customer pyramid and tier policies;
- `custrel.complaints` — the seven-step complaint workflow;
- `custrel.retention` — churn and its economics: leaky bucket, churn cost, lifetime value;
- `custrel.countermeasures`, `custrel.satisfaction`, `custrel.winback`,
  `custrel.retention_audit` — what to do about churn, satisfaction, win-back cases,
  and the audit against the eight mistakes that lose customers;
- `custrel.acquisition` — prospecting methods and plans;
- `custrel.profile` — customer-information profiles with privacy by design;
- `custrel.report` — the batch engine behind ``custrel report``.

Importing ``custrel`` loads none of numpy, pyarrow, pandas or polars; the batch
engine imports them when it runs.

Where to start: `custrel.analyze` turns a transaction log into every
customer's stage, tier, verdict and treatment; every error it (or any module)
raises is a `custrel.CustrelError`; the main enums — `Stage`,
`Tier`, `Verdict`, `Treatment`, `Period` — are
reachable from here too. Each name is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

__version__ = "0.1.0"

__all__ = [
    "CustrelError",
    "Period",
    "Stage",
    "Tier",
    "Treatment",
    "Verdict",
    "__version__",
    "analyze",
]

if TYPE_CHECKING:
    from custrel.errors import CustrelError
    from custrel.lifecycle import Stage
    from custrel.periods import Period
    from custrel.pyramid import Tier, Treatment
    from custrel.report import analyze
    from custrel.scoring import Verdict

#: Where each top-level name lives; loaded by ``__getattr__`` on first use.
_LAZY: Final = {
    "CustrelError": "custrel.errors",
    "Period": "custrel.periods",
    "Stage": "custrel.lifecycle",
    "Tier": "custrel.pyramid",
    "Treatment": "custrel.pyramid",
    "Verdict": "custrel.scoring",
    "analyze": "custrel.report",
}


def __getattr__(name: str) -> object:
    """Load a top-level name from its module on first use, keeping ``import custrel`` light."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'custrel' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

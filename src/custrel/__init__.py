"""custrel: customer-relationship management as typed, tested code.

Modules, one per domain concept (see ``docs/``):

- :mod:`custrel.lifecycle` — the customer lifecycle state machine (seed 001 §1);
- :mod:`custrel.scoring` — good versus bad customers, big-customer risks;
- :mod:`custrel.pyramid` — the customer pyramid and tier policies;
- :mod:`custrel.complaints` — the seven-step complaint workflow;
- :mod:`custrel.retention` — churn causes and economics, satisfaction, win-back;
- :mod:`custrel.acquisition` — prospecting methods and plans;
- :mod:`custrel.profile` — customer-information profiles with privacy by design;
- :mod:`custrel.report` — the batch engine behind ``custrel report``.

Importing ``custrel`` loads none of numpy, pyarrow, pandas or polars; the batch
engine imports them when it runs.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

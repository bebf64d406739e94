"""Hypothesis strategies for transaction logs."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from custrel.report import Transaction

FIRST_DAY = dt.date(2023, 12, 20)
LAST_DAY = dt.date(2024, 3, 10)
AS_OF = dt.date(2024, 3, 31)

customer_ids = st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "Zoë", "客户1", "10"])
days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
# Whole cents, so sums are exact enough to compare with a tolerance of a millionth.
amounts = st.integers(min_value=0, max_value=500_000).map(lambda cents: cents / 100)

transactions = st.builds(Transaction, customer_id=customer_ids, date=days, amount=amounts)
logs = st.lists(transactions, min_size=1, max_size=60)

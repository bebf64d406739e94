"""Tier cut-offs from bands and the counts inside them equal those from every value."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from custrel.report.partition import (
    BandCounts,
    RankSketch,
    ValueCounts,
    tier_bands,
    tier_cutoffs,
    tier_cutoffs_in_bands,
)

# Values with many ties (tiers meet ties at their cut-offs), and values all distinct.
tied = st.sampled_from([-5.0, 0.0, 0.0, 1.0, 2.5, 2.5, 7.0, 100.0, 1e9])
spread = st.floats(-1e6, 1e6, allow_nan=False)
columns = st.lists(tied, max_size=400) | st.lists(spread, max_size=400)


@given(columns, st.integers(1, 6), st.integers(2, 12), st.randoms(use_true_random=False))
def test_cut_offs_found_in_bands_equal_the_cut_offs_from_every_value(
    values, partitions, knots, random
):
    slots = [random.randrange(partitions) for _ in values]
    parts = [
        np.array([v for v, s in zip(values, slots, strict=True) if s == k], dtype=np.float64)
        for k in range(partitions)
    ]
    expected = tier_cutoffs([ValueCounts.of(p) for p in parts])

    bands = tier_bands(RankSketch.of(p, knots) for p in parts)
    got = tier_cutoffs_in_bands(bands, [BandCounts.of(p, bands) for p in parts])

    assert got.customers == expected.customers == len(values)
    assert got.tier_thresholds == expected.tier_thresholds


@given(st.lists(spread, min_size=1, max_size=400, unique=True), st.integers(2, 12))
def test_each_band_encloses_its_cut_off_and_holds_few_distinct_values(values, knots):
    column = np.array(values, dtype=np.float64)
    ordered = np.sort(column)

    bands = tier_bands([RankSketch.of(column, knots)])

    for target, (lowest, highest) in zip(bands.targets, bands.bands, strict=True):
        if target is None:
            continue
        assert lowest <= ordered[target] <= highest
        inside = int(((column >= lowest) & (column <= highest)).sum())
        # Two gaps between kept positions, plus the ends, at most.
        assert inside <= 2 * (len(values) // (knots - 1) + 1) + 1

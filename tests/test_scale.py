"""The engines' shared passes, run here without an engine, give the one-machine report."""

from __future__ import annotations

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from custrel import _scale
from custrel.report import ReportModel, ReportPolicy, analyze
from custrel.sample import SAMPLE_AS_OF, sample_path


def _decoded(table: pa.Table) -> pa.Table:
    return pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _split(table: pa.Table, partitions: int) -> list[pa.Table]:
    """The log with row identities, cut into partitions of whole customers."""
    table = table.append_column(_scale.ROW, pa.array(np.arange(table.num_rows), pa.int64()))
    ids = table.column("customer_id").to_pylist()
    slot = np.array([sum(map(ord, str(i))) % partitions for i in ids])
    return [table.filter(pa.array(slot == k)) for k in range(partitions)]


def _run(table: pa.Table, policy: ReportPolicy, partitions: int, cutoffs: str = "auto"):
    settings, _ = _scale.settings_for(SAMPLE_AS_OF, policy, None, None, "EUR", "raise")
    settings = attrs.evolve(settings, cutoffs=cutoffs)
    carried = [_scale.partition_carry(p, settings) for p in _split(table, partitions)]
    stats = [
        c.filter(pc.equal(c.column(_scale.KIND), _scale.STATS)).column(1)[0].as_py()
        for c in carried
    ]
    merged = _scale.merge_stats(stats, settings)
    assert (merged.bands is None) == (merged.cutoffs is not None)
    if merged.bands is not None:
        counts = [_scale.carried_band_counts(c, merged.bands).column(0) for c in carried]
        merged = _scale.with_band_counts(merged, [c[0].as_py() for c in counts if len(c)])
    finishing = merged.finishing
    parts = [_scale.carried_overview(c, settings, finishing).column(0) for c in carried]
    overview = _scale.merge_output_overviews(
        [p[0].as_py() for p in parts if len(p)], settings, finishing
    )
    customers = pa.concat_tables(
        [_scale.carried_customers(c, settings, finishing) for c in carried]
    )
    return customers.take(pc.sort_indices(customers, [("customer_id", "ascending")])), overview


@pytest.mark.parametrize("model", [ReportModel.NONE, ReportModel.BG_NBD], ids=["none", "bg/nbd"])
def test_the_carried_passes_give_the_one_machine_report_with_and_without_the_model(model):
    table = pacsv.read_csv(sample_path())
    policy = ReportPolicy(model=model)
    whole = analyze(table, as_of=SAMPLE_AS_OF, policy=policy, currency="EUR")

    customers, overview = _run(table, policy, partitions=3)

    assert customers.equals(_decoded(whole.customers.to_arrow()))
    assert overview == whole.overview
    assert overview.model is not None
    assert (overview.model.note is None) == (model is ReportModel.BG_NBD)


def test_an_analysis_carried_in_many_small_chunks_comes_back_whole(monkeypatch):
    table = pacsv.read_csv(sample_path()).slice(0, 2_000)
    policy = ReportPolicy()
    expected, expected_overview = _run(table, policy, partitions=2)

    monkeypatch.setattr(_scale, "CHUNK_BYTES", 1_000)
    customers, overview = _run(table, policy, partitions=2)

    settings, _ = _scale.settings_for(SAMPLE_AS_OF, policy, None, None, "EUR", "raise")
    carried = _scale.partition_carry(_split(table, 1)[0], settings)
    assert pc.sum(pc.equal(carried.column(_scale.KIND), _scale.PART)).as_py() > 10

    assert customers.equals(expected)
    assert overview == expected_overview


def test_an_empty_partition_carries_no_customers():
    settings, _ = _scale.settings_for(SAMPLE_AS_OF, None, None, None, "EUR", "raise")
    empty = pa.table(
        {
            "customer_id": pa.array([], pa.string()),
            "date": pa.array([], pa.string()),
            "amount": pa.array([], pa.string()),
            _scale.ROW: pa.array([], pa.int64()),
        }
    )
    carried = _scale.partition_carry(empty, settings)
    merged = _scale.merge_stats([carried.column(1)[0].as_py()], settings)

    customers = _scale.carried_customers(carried, settings, merged.finishing)

    assert customers.num_rows == 0
    assert customers.schema == _scale.customer_schema()
    assert merged.rows_read == 0


@pytest.mark.parametrize("cutoffs", ["collect", "band"])
def test_cut_offs_collected_or_found_in_bands_give_the_one_machine_tiers(cutoffs):
    table = pacsv.read_csv(sample_path())
    policy = ReportPolicy(model=ReportModel.NONE)
    whole = analyze(table, as_of=SAMPLE_AS_OF, policy=policy, currency="EUR")

    customers, overview = _run(table, policy, partitions=3, cutoffs=cutoffs)

    assert customers.equals(_decoded(whole.customers.to_arrow()))
    assert overview == whole.overview


def test_auto_finds_the_cut_offs_in_bands_when_a_partition_has_many_distinct_values(
    monkeypatch,
):
    table = pacsv.read_csv(sample_path())
    policy = ReportPolicy(model=ReportModel.NONE)
    whole = analyze(table, as_of=SAMPLE_AS_OF, policy=policy, currency="EUR")
    settings, _ = _scale.settings_for(SAMPLE_AS_OF, policy, None, None, "EUR", "raise")
    parts = _split(table, 4)
    distinct = sorted(
        len(np.unique(_scale._analyze(p, settings, full=False)[0].tier_column())) for p in parts
    )
    # Some partitions send value counts, the others sketches.
    monkeypatch.setattr(_scale, "BAND_ABOVE", (distinct[1] + distinct[2]) // 2)

    customers, overview = _run(table, policy, partitions=4)

    assert customers.equals(_decoded(whole.customers.to_arrow()))
    assert overview == whole.overview


def test_an_unknown_cut_off_method_is_refused_naming_the_methods():
    from custrel.errors import InvalidValue

    settings, _ = _scale.settings_for(SAMPLE_AS_OF, None, None, None, "EUR", "raise")

    with pytest.raises(InvalidValue, match="auto, collect, band"):
        attrs.evolve(settings, cutoffs="approximate")

"""The report's whole-base overview: leaky bucket, churn cost, next actions."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from custrel.report import analyze
from custrel.sample import SAMPLE_AS_OF, sample_path
from strategies_report import AS_OF, logs
from test_report import assert_same, reference_summary, rows_of


def test_the_leaky_bucket_conserves_customers_every_period_on_the_sample():
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)
    assert report.overview is not None

    rows = report.overview.leaky_bucket
    active = 0
    for row in rows:
        active = active + row.new + row.won_back - row.lost
        assert row.active_at_end == active
        assert row.churn_rate is None or 0 <= row.churn_rate <= 1


@given(logs)
def test_the_bucket_ends_with_the_customers_not_lost(log):
    report = analyze(log, as_of=AS_OF)
    assert report.overview is not None

    if report.overview.leaky_bucket:
        actual = sum(1 for c in report.customers if c.stage is not None and c.stage.is_actual)
        assert report.overview.leaky_bucket[-1].active_at_end == actual


def test_the_churn_cost_of_the_sample_multiplies_out_exactly():
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)
    assert report.overview is not None
    cost = report.overview.churn_cost
    assert cost is not None

    lost = sum(1 for c in report.customers if c.stage is not None and c.stage.name == "LOST")
    assert cost.lost_customers == lost
    assert cost.revenue_lost.amount == lost * cost.revenue_per_customer.amount
    assert cost.profit_lost.amount == cost.revenue_lost.amount * cost.margin
    assert cost.people_told == 5 * lost  # seed 001 §3: each tells 5
    assert abs(cost.revenue_lost.amount - Decimal(repr(report.overview.lost_revenue))) < lost


def test_every_customer_of_the_sample_gets_a_next_action():
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)

    assert all(c.treatment is not None for c in report.customers)


def test_the_sample_report_converts_to_pandas_and_polars_with_every_customer():
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)

    frame = report.customers.to_pandas()
    polars_frame = report.customers.to_polars()

    assert len(frame) == len(polars_frame) == report.overview.customers  # type: ignore[union-attr]
    by_id = {c.customer_id: c for c in report.customers}
    for row in frame.head(50).itertuples():
        expected = by_id[row.customer_id]
        assert row.reasons == "; ".join(expected.reasons)
        assert row.stage == expected.stage.value  # type: ignore[union-attr]


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", "客户1", None, ""]), st.integers(0, 60)),
        min_size=4,
        max_size=40,
    ),
    st.integers(1, 4),
)
def test_threaded_id_factorisation_gives_the_same_report(rows, chunks):
    # Large inputs hash customer ids in two threads and merge the dictionaries; force that
    # path on a small multi-chunk table with missing ids and compare with the plain path.
    import datetime as dt

    import pyarrow as pa

    from custrel.report import OnError, _ingest

    start = dt.date(2024, 1, 1)
    table = pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.string()),
            "date": pa.array([start + dt.timedelta(days=r[1]) for r in rows], pa.date32()),
            "amount": pa.array([float(r[1]) for r in rows]),
        }
    )
    size = max(1, len(rows) // chunks)
    pieces = [table.slice(i, size) for i in range(0, len(rows), size)]
    chunked = pa.concat_tables(pieces)

    def run():
        return analyze(chunked, as_of=dt.date(2024, 3, 31), on_error=OnError.SKIP)

    plain = run()
    saved = _ingest._THREADED_ROWS
    try:
        _ingest._THREADED_ROWS = 2
        threaded = run()
    finally:
        _ingest._THREADED_ROWS = saved

    assert threaded.counts == plain.counts
    assert threaded.rejects() == plain.rejects()
    assert [(c.customer_id, c.purchases, c.revenue, c.stage) for c in threaded.customers] == [
        (c.customer_id, c.purchases, c.revenue, c.stage) for c in plain.customers
    ]


@given(
    st.lists(
        st.builds(
            lambda who, day, cents: (who, day, cents),
            st.sampled_from(["a1", "b2", "c3", "d4", "zz"]),
            st.integers(0, 80),
            st.integers(0, 100_000),
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([1, 2, 8]),
)
def test_fixed_width_ids_hashed_as_integers_give_the_reference_summary(rows, width):
    # Ids of one byte length take the packed-integer path; the result must equal the
    # slow reference written from the definitions.
    import datetime as dt

    from custrel.periods import Period
    from custrel.report import Transaction

    start = dt.date(2024, 1, 1)
    log = [
        Transaction(
            who.ljust(width, "x")[:width] if width > 1 else who[0],
            start + dt.timedelta(days=d),
            c / 100,
        )
        for who, d, c in rows
    ]
    as_of = dt.date(2024, 4, 30)

    report = analyze(log, as_of=as_of)

    assert_same(rows_of(report), reference_summary(log, as_of, Period.DAY))


def test_a_malformed_line_near_the_top_is_a_reject_in_lenient_mode(tmp_path):
    from custrel.report import OnError

    path = tmp_path / "log.csv"
    path.write_text(
        "customer_id,date,amount\nc1,2024-01-05,10\nc2,2024-01-06\nc1,2024-02-01,5\n",
        encoding="utf-8",
    )

    report = analyze(path, as_of=AS_OF, on_error=OnError.SKIP)

    assert report.counts.rows_read == 3
    assert report.counts.rows_rejected == 1
    assert [r.row for r in report.rejects()] == [2]
    assert report.customers.get("c1").purchases == 2  # type: ignore[union-attr]


@given(logs, st.sampled_from([1, 3, 7]))
def test_the_bucket_counted_block_by_block_equals_the_bucket_of_all_events(log, block):
    # The engine derives stages in blocks of whole customers and counts the bucket per
    # block; the sum must equal leaky_bucket_columns over all the derived events.
    from custrel import lifecycle_batch
    from custrel.lifecycle_batch import derive_stages
    from custrel.report import ReportPolicy, summarize
    from custrel.retention import leaky_bucket_columns

    summary = summarize(log, as_of=AS_OF)
    codes = {c.customer_id: i for i, c in enumerate(summary.customers)}
    customer = [codes[t.customer_id] for t in log]
    day = [(t.date - lifecycle_batch.EPOCH).days for t in log]
    policy = ReportPolicy()
    stages = derive_stages(customer, day, len(codes), AS_OF, policy.lifecycle)
    first = min(t.date for t in log)
    expected = leaky_bucket_columns(
        stages.events_customer,
        stages.events_day,
        stages.events_kind,
        policy.bucket_period,
        first,
        AS_OF,
    )

    saved = lifecycle_batch._BLOCK
    try:
        lifecycle_batch._BLOCK = block
        report = analyze(log, as_of=AS_OF)
    finally:
        lifecycle_batch._BLOCK = saved
    assert report.overview is not None
    assert [
        (r.period_start, r.new, r.lost, r.won_back, r.active_at_end)
        for r in report.overview.leaky_bucket
    ] == [(f.period_start, f.gained, f.lost, f.won_back, f.end) for f in expected.flows]
    assert [c.stage for c in report.customers] == [
        stages.stages()[codes[c.customer_id]] for c in report.customers
    ]

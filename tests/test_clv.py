"""custrel.clv reproduces the published estimates and keeps its promises on the reference data."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custrel.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    FitFailed,
    GammaGamma,
    ModelKind,
    ModifiedBetaGeo,
    ParetoNBD,
    UnidentifiableData,
    from_json,
    score,
    sufficient_statistic,
)
from custrel.errors import CustrelError, InvalidValue

DATA = Path(__file__).parent / "data" / "cdnow"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def bgnbd(cdnow: pd.DataFrame) -> BetaGeo:
    return BetaGeo.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def raw_summary() -> pd.DataFrame:
    """The calibration summary computed from the raw log, without custrel, at full precision.

    Repeat purchases are distinct customer-days after the first, up to 1997-09-30; times
    in weeks (the summary file rounds them to two decimals).
    """
    log = pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer", "sample", "date", "cds", "amount"],
        dtype={"date": str},
    )
    log["day"] = pd.to_datetime(log["date"], format="%Y%m%d")
    end = pd.Timestamp("1997-09-30")
    days = log[log["day"] <= end].drop_duplicates(["customer", "day"])
    per = days.groupby("customer")["day"].agg(["min", "max", "count"])
    return pd.DataFrame(
        {
            "frequency": per["count"] - 1,
            "recency": (per["max"] - per["min"]).dt.days / 7,
            "T": (end - per["min"]).dt.days / 7,
        }
    )


@pytest.fixture(scope="module")
def pareto(raw_summary: pd.DataFrame) -> ParetoNBD:
    return ParetoNBD.fit(raw_summary["frequency"], raw_summary["recency"], raw_summary["T"])


def rounded(model: object, digits: int) -> dict[str, float]:
    return {k: round(v, digits) for k, v in model.params.items()}  # type: ignore[attr-defined]


# --- the published estimates -----------------------------------------------------


def test_bg_nbd_reproduces_fader_hardie_lee_2005_on_cdnow(bgnbd: BetaGeo):
    assert rounded(bgnbd, 3) == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(bgnbd.log_likelihood, 1) == -9582.4
    assert bgnbd.n_customers == 2357
    assert bgnbd.optimiser is not None
    assert bgnbd.optimiser.converged


def test_pareto_nbd_reproduces_the_published_estimates_on_cdnow(pareto: ParetoNBD):
    assert len(pareto.estimates) == 4
    assert pareto.n_customers == 2357
    assert rounded(pareto, 3) == {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    assert round(pareto.log_likelihood, 1) == -9595.0
    assert pareto.optimiser is not None
    assert pareto.optimiser.starts >= 3


def test_pareto_nbd_on_the_rounded_summary_file_differs_only_in_the_flat_direction(
    cdnow: pd.DataFrame, pareto: ParetoNBD
):
    # The summary file rounds recency and T to 0.01 week; the likelihood is so flat in
    # beta that its maximum moves by 0.001 there (11.668), and nowhere else.
    model = ParetoNBD.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])

    assert rounded(model, 3) | {"beta": 11.669} == rounded(pareto, 3)
    assert abs(model.params["beta"] - 11.669) < 0.002


def test_bg_nbd_from_the_raw_log_matches_the_summary_file(raw_summary: pd.DataFrame):
    model = BetaGeo.fit(raw_summary["frequency"], raw_summary["recency"], raw_summary["T"])

    assert rounded(model, 3) == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def test_mbg_nbd_reproduces_btydplus_on_cdnow(cdnow: pd.DataFrame):
    model = ModifiedBetaGeo.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])

    assert rounded(model, 3) == {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


def test_gamma_gamma_reproduces_the_iso_value_paper_on_the_946_repeat_buyers():
    data = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")

    model = GammaGamma.fit(data["x"], data["zbar"])

    assert model.n_customers == 946
    assert round(model.params["p"], 2) == 6.25
    assert round(model.params["q"], 2) == 3.74
    # The paper prints 15.44; on this file's means (rounded to cents) the maximum is
    # 15.448, so the published figure is met to within its last digit.
    assert abs(model.params["v"] - 15.44) < 0.01


def test_bg_bb_reproduces_fader_hardie_shang_2010_on_the_donations():
    data = pd.read_csv(DATA / "donations.csv")

    model = BetaGeoBetaBinom.fit(
        data["frequency"], data["recency"], data["periods"], weights=data["weights"]
    )

    assert rounded(model, 3) == {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    assert round(model.log_likelihood, 1) == -33225.6
    assert model.n_customers == 11104


# --- standard errors and intervals ------------------------------------------------


def test_standard_errors_are_positive_and_intervals_contain_the_estimate(bgnbd: BetaGeo):
    for estimate in bgnbd.estimates:
        low, high = estimate.confidence_interval(0.95)

        assert estimate.std_error > 0
        assert 0 < low < estimate.value < high


def test_a_wider_level_gives_a_wider_interval(bgnbd: BetaGeo):
    narrow = bgnbd.confidence_intervals(0.8)["r"]
    wide = bgnbd.confidence_intervals(0.99)["r"]

    assert wide[0] < narrow[0]
    assert narrow[1] < wide[1]


def test_a_confidence_level_outside_zero_and_one_is_refused(bgnbd: BetaGeo):
    with pytest.raises(InvalidValue, match="level"):
        bgnbd.confidence_intervals(1.5)


# --- the sufficient statistic ------------------------------------------------------


def test_fitting_on_the_sufficient_statistic_with_weights_equals_fitting_every_customer(
    cdnow: pd.DataFrame, bgnbd: BetaGeo
):
    stat = sufficient_statistic(cdnow["frequency"], cdnow["recency"], cdnow["T"])

    collapsed = BetaGeo.fit(stat.frequency, stat.recency, stat.T, weights=stat.count)

    assert len(stat) < len(cdnow)
    assert stat.customers == len(cdnow)
    for name, value in bgnbd.params.items():
        assert collapsed.params[name] == pytest.approx(value, rel=1e-6)
    assert collapsed.log_likelihood == pytest.approx(bgnbd.log_likelihood, rel=1e-10)


def test_the_sufficient_statistic_is_the_group_by_a_distributed_run_would_compute(
    cdnow: pd.DataFrame,
):
    grouped = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="count")

    stat = sufficient_statistic(cdnow["frequency"], cdnow["recency"], cdnow["T"])

    assert stat.count.tolist() == grouped["count"].astype(float).tolist()
    assert stat.T.tolist() == grouped["T"].tolist()


# --- predictions ---------------------------------------------------------------------


def test_predictions_stay_finite_and_in_range_for_frequencies_in_the_tens_of_thousands(
    bgnbd: BetaGeo, pareto: ParetoNBD
):
    x = np.array([0, 1, 100, 10_000, 50_000, 50_000])
    t_x = np.array([0.0, 5.0, 38.0, 38.8, 38.86, 20.0])
    age = np.full(6, 38.86)
    mbg = ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)

    for model in (bgnbd, pareto, mbg):
        alive = model.p_alive(x, t_x, age)
        expected = model.expected_purchases(52.0, x, t_x, age)
        value = model.clv(x, t_x, age, np.full(6, 30.0), periods=12, period_length=4.35)

        assert np.isfinite(alive).all()
        assert ((alive >= 0) & (alive <= 1)).all()
        assert np.isfinite(expected).all()
        assert (expected >= 0).all()
        assert np.isfinite(value).all()
        assert (value >= 0).all()
        # Buying 50,000 times up to the last moment: alive, and buying at that pace.
        assert alive[4] > 0.99
        assert expected[4] > 10_000


def test_bg_nbd_predictions_agree_with_the_published_cdnow_figures(bgnbd: BetaGeo):
    # Fader, Hardie & Lee (2005), section 4: a customer with x = 2, t_x = 30.43,
    # T = 38.86 is expected to make 1.226 purchases in the next 39 weeks.
    assert bgnbd.expected_purchases(39, 2, 30.43, 38.86)[()] == pytest.approx(1.226, abs=5e-4)


def test_unconditional_expectation_is_the_mean_of_the_purchase_count_distribution(
    bgnbd: BetaGeo,
):
    n = np.arange(0, 400)

    probabilities = bgnbd.purchase_probability(n, 39.0)

    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    assert (n * probabilities).sum() == pytest.approx(
        bgnbd.expected_purchases_new_customer(39.0)[()], rel=1e-6
    )


def test_discounting_lowers_the_value_and_a_longer_horizon_raises_it(bgnbd: BetaGeo):
    args = ([2, 10], [30.43, 35.0], [38.86, 38.86], [25.0, 25.0])

    plain = bgnbd.clv(*args, periods=12, discount_rate=0.0)
    discounted = bgnbd.clv(*args, periods=12, discount_rate=0.05)
    longer = bgnbd.clv(*args, periods=24, discount_rate=0.05)

    assert (discounted < plain).all()
    assert (longer > discounted).all()
    undiscounted_total = 25.0 * bgnbd.expected_purchases(12.0, *args[:3])
    assert plain == pytest.approx(undiscounted_total, rel=1e-12)


def test_gamma_gamma_gives_the_population_mean_to_customers_without_repeat_purchases():
    model = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)

    spend = model.expected_spend([0, 1, 1000], [99.0, 20.0, 20.0])

    assert spend[0] == pytest.approx(6.25 * 15.44 / 2.74)
    assert spend[2] == pytest.approx(20.0, rel=0.01)  # many purchases: its own mean


def test_score_returns_the_columns_a_report_joins(cdnow: pd.DataFrame, bgnbd: BetaGeo):
    rng = np.random.default_rng(7)
    spend = np.where(cdnow["frequency"] > 0, rng.gamma(6.0, 5.0, len(cdnow)), 0.0)

    scores = score(cdnow["frequency"], cdnow["recency"], cdnow["T"], spend, periods=12)
    no_money = score(cdnow["frequency"], cdnow["recency"], cdnow["T"], model=bgnbd)

    columns = scores.columns()
    assert list(columns) == ["p_alive", "expected_purchases", "clv"]
    assert all(len(c) == len(cdnow) for c in columns.values())
    assert scores.model.params == pytest.approx(dict(bgnbd.params))
    assert scores.spend_model is not None
    assert no_money.clv is None
    assert no_money.model is bgnbd
    np.testing.assert_allclose(
        columns["p_alive"], bgnbd.p_alive(*cdnow[["frequency", "recency", "T"]].T.values)
    )


def test_score_fits_the_model_named(cdnow: pd.DataFrame):
    scores = score(cdnow["frequency"], cdnow["recency"], cdnow["T"], model="pareto-nbd")

    assert scores.model.kind is ModelKind.PARETO_NBD


# --- JSON and labels -------------------------------------------------------------------


def test_a_fitted_model_survives_a_json_round_trip(bgnbd: BetaGeo, pareto: ParetoNBD):
    for model in (bgnbd, pareto):
        again = from_json(model.to_json())

        assert again == model
        assert type(again) is type(model)


def test_json_that_is_not_a_model_is_refused():
    with pytest.raises(InvalidValue):
        from_json(json.dumps({"model": "bg/nbd", "params": {"r": 1.0}}))
    with pytest.raises(InvalidValue):
        from_json("not json")


def test_model_names_and_parameters_read_in_english_and_chinese(bgnbd: BetaGeo):
    english = bgnbd.describe("en")
    chinese = bgnbd.describe("zh")

    assert "BG/NBD" in english
    assert "scale of the purchase-rate distribution" in english
    assert "购买率分布的尺度参数" in chinese
    assert "（95% 置信区间" in chinese
    assert all(kind.zh and kind.en for kind in ModelKind)


# --- data that cannot carry a fit --------------------------------------------------------


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_a_base_where_nobody_bought_again_is_unidentifiable(cls: type[BetaGeo]):
    with pytest.raises(UnidentifiableData, match="no customer bought again") as raised:
        cls.fit([0, 0, 0], [0, 0, 0], [10, 20, 30])

    assert isinstance(raised.value, CustrelError)
    assert raised.value.field == "frequency"


def test_gamma_gamma_with_everyone_spending_the_same_is_unidentifiable():
    with pytest.raises(UnidentifiableData, match="spent differently"):
        GammaGamma.fit([1, 2, 3], [10.0, 10.0, 10.0])


def test_a_recency_after_t_names_the_row():
    with pytest.raises(InvalidValue, match=r"recency\[1\]"):
        BetaGeo.fit([1, 2], [3.0, 12.0], [10.0, 10.0])


def test_a_fractional_frequency_is_refused():
    with pytest.raises(InvalidValue, match=r"frequency\[0\]"):
        BetaGeo.fit([1.5], [3.0], [10.0])


def test_a_parameter_the_data_cannot_pin_down_raises_a_typed_error_naming_it():
    # Everyone bought last at the very end and nobody drops out: the maximum lies at
    # infinity along a ridge (purchase rates all alike, drop-out probability zero).
    x = np.arange(1, 200) % 7 + 1
    with pytest.raises(FitFailed) as raised:
        BetaGeo.fit(x, np.full(len(x), 10.0), np.full(len(x), 10.0))

    assert raised.value.parameter in BetaGeo.PARAMS
    assert "do not identify" in str(raised.value)


def test_a_penalty_is_applied_only_when_asked_for_and_shrinks_the_estimates(cdnow: pd.DataFrame):
    plain = BetaGeo.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    penalised = BetaGeo.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], penalty=0.1)

    assert plain.optimiser is not None
    assert plain.optimiser.penalty == 0.0
    assert penalised.optimiser is not None
    assert penalised.optimiser.penalty == 0.1
    assert penalised.log_likelihood < plain.log_likelihood
    assert penalised.params["b"] < plain.params["b"]


# --- light import -----------------------------------------------------------------------


def test_importing_custrel_clv_and_building_the_cli_loads_no_numeric_library():
    code = (
        "import sys, custrel, custrel.clv, custrel.cli; custrel.cli.build_parser();"
        "print(sorted({'numpy', 'scipy', 'pyarrow', 'pandas', 'polars'} & set(sys.modules)))"
    )

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error():
    import custrel.clv

    with pytest.raises(AttributeError):
        custrel.clv.NoSuchModel  # noqa: B018

    assert math.isnan(BetaGeo.from_params(r=1, alpha=1, a=1, b=1).log_likelihood)


def test_predict_gives_p_alive_and_expected_purchases_in_one_pass(cdnow: pd.DataFrame, bgnbd):
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"])

    alive, expected = bgnbd.predict(39.0, *args)

    np.testing.assert_array_equal(alive, bgnbd.p_alive(*args))
    np.testing.assert_array_equal(expected, bgnbd.expected_purchases(39.0, *args))


def test_predictions_in_blocks_equal_predictions_at_once_and_name_the_bad_row(
    monkeypatch: pytest.MonkeyPatch, bgnbd: BetaGeo, cdnow: pd.DataFrame
):
    import custrel.clv._transaction as transaction

    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    whole = bgnbd.predict(39.0, *args)
    value = bgnbd.clv(*args, np.full(len(cdnow), 20.0), periods=6)
    monkeypatch.setattr(transaction, "_BLOCK", 100)

    blocked = bgnbd.predict(39.0, *args)
    blocked_value = bgnbd.clv(*args, np.full(len(cdnow), 20.0), periods=6)
    bad = cdnow["recency"].to_numpy().copy()
    bad[1234] = 99.0

    np.testing.assert_allclose(blocked[0], whole[0], rtol=1e-14)
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-14)
    np.testing.assert_allclose(blocked_value, value, rtol=1e-14)
    with pytest.raises(InvalidValue, match=r"recency\[1234\]"):
        bgnbd.p_alive(cdnow["frequency"], bad, cdnow["T"])


def test_bg_bb_expectations_are_continuous_through_gamma_equal_to_one():
    # The closed forms divide by gamma - 1; at gamma = 1 they take their limit.
    def expectations(gamma):
        model = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=gamma, delta=2.783)
        return (
            float(model.expected_purchases(5, [3], [6], [6])[0]),
            float(model.expected_purchases_new_customer(6)),
        )

    at_one = expectations(1.0)
    below, above = expectations(1 - 1e-6), expectations(1 + 1e-6)

    for value, low, high in zip(at_one, below, above, strict=True):
        assert math.isfinite(value)
        assert min(low, high) - 1e-6 <= value <= max(low, high) + 1e-6

"""Seasonal indices: own, pooled by group coherence, and shrunk (numbers worked out by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from sop_pipeline.forecast.seasonality import (
    ADDITIVE,
    FAMILY,
    ITEM,
    MULTIPLICATIVE,
    NONE,
    PORTFOLIO,
    OwnSeason,
    PortfolioSeasons,
    fit_groups,
    moving_trend,
    own_season,
    own_seasons,
    positions_of,
    shrink,
    shrink_many,
)

PATTERN = np.array([0.6, 0.7, 0.9, 1.1, 1.4, 1.6, 1.5, 1.2, 0.9, 0.8, 0.7, 0.6])
PATTERN = PATTERN / PATTERN.mean()
ALTERNATING = np.tile([1.0, -1.0], 6)


def own(indices: np.ndarray, noise: float, counts: int = 3, df: int = 100) -> OwnSeason:
    return OwnSeason(
        indices=np.asarray(indices, dtype=float),
        counts=np.full(12, counts),
        noise=noise,
        df=df,
        kind=MULTIPLICATIVE,
        level=100.0,
    )


def test_positions_are_calendar_months():
    months = pd.date_range("2024-11-01", periods=4, freq="MS").to_numpy()
    assert positions_of(months, 12).tolist() == [10, 11, 0, 1]


def test_the_moving_trend_of_a_line_is_the_line_ends_included():
    y = 50 + 2.0 * np.arange(30)
    assert_allclose(moving_trend(y, 12), y)
    # too short for a moving average of four values: the least-squares line
    assert_allclose(moving_trend(y[:15], 12), y[:15])


def test_the_moving_trend_ends_are_least_squares_lines():
    rng = np.random.default_rng(3)
    for n in (2, 5, 15, 16, 17, 24, 47):
        y = 100 + 30 * rng.standard_normal(n)
        trend = moving_trend(y, 12)
        if n - 12 < 4:  # too short for the moving average: the least-squares line
            t = np.arange(n)
            assert_allclose(trend, np.polyval(np.polyfit(t, y, 1), t), rtol=1e-12)
            continue
        inner = np.convolve(y, np.r_[0.5, np.ones(11), 0.5] / 12, mode="valid")
        assert_allclose(trend[6 : n - 6], inner, rtol=1e-12)
        k = min(6, n - 12)
        head, tail = np.arange(6, 6 + k), np.arange(n - 6 - k, n - 6)
        line = np.polyfit(head, trend[head], 1)
        assert_allclose(trend[:6], np.polyval(line, np.arange(6)), rtol=1e-12)
        line = np.polyfit(tail, trend[tail], 1)
        assert_allclose(trend[n - 6 :], np.polyval(line, np.arange(n - 6, n)), rtol=1e-12)


def test_own_indices_of_many_series_at_once_are_each_series_own():
    rng = np.random.default_rng(4)
    positions = np.arange(3, 33) % 12
    rows = np.stack(
        [
            200 * PATTERN[positions] * (1 + 0.1 * rng.standard_normal(30)),
            np.full(30, 7.0),  # constant: no indices
            10 * (PATTERN[positions] - 1) + rng.standard_normal(30),  # around zero: additive
            np.r_[np.zeros(29), 5.0],
        ]
    )
    together = own_seasons(rows, positions, 12)
    for row, season in zip(rows, together, strict=True):
        alone = own_season(row, positions, 12)
        assert (season is None) == (alone is None)
        if season is not None:
            assert season.kind == alone.kind and season.df == alone.df
            assert_allclose(season.indices, alone.indices, rtol=1e-12, atol=1e-12)
            assert_allclose([season.noise, season.level], [alone.noise, alone.level], rtol=1e-12)
    assert [s is None for s in together] == [False, True, False, False]
    assert together[2].kind == ADDITIVE


def test_own_indices_recover_a_clean_pattern_with_no_noise():
    y = 200 * np.tile(PATTERN, 3)
    season = own_season(y, np.arange(36) % 12, 12)
    assert season.kind == MULTIPLICATIVE
    assert_allclose(season.indices, PATTERN, rtol=1e-9)
    assert season.counts.tolist() == [3] * 12
    assert season.df == 24 and season.noise < 1e-20
    assert_allclose(season.level, 200.0)


def test_a_series_with_negative_values_gets_additive_indices():
    y = np.tile(10 * (PATTERN - 1), 2)  # values around zero
    season = own_season(y, np.arange(24) % 12, 12)
    assert season.kind == ADDITIVE
    assert_allclose(season.indices, 10 * (PATTERN - 1), atol=1e-9)


def test_james_stein_weight_by_hand():
    # S = 1 +- 0.2, target flat: d2 = 12 x 0.04 = 0.48.
    # noise 0.064 over 3 ratios per month: v = 0.064 / 3 = 0.021333; (m - 3) v = 0.192
    # weight = 1 - 0.192 / 0.48 = 0.6 -> indices 1 +- 0.12
    season = shrink(own(1 + 0.2 * ALTERNATING, noise=0.064), np.ones(12), NONE)
    assert_allclose(season.weight, 0.6)
    assert_allclose(season.indices, 1 + 0.12 * ALTERNATING)
    assert season.source == ITEM


def test_noisy_own_indices_take_the_family_shape():
    # own S = 1 +- 0.2 (what a year of noise looks like) against the family's PATTERN:
    # d2 = sum((S - PATTERN)^2) = 1.86; noise 0.45 over 3 ratios: (m - 3) v = 9 x 0.15 = 1.35
    s = 1 + 0.2 * ALTERNATING
    d2 = np.sum((s - PATTERN) ** 2)
    weight = 1 - 1.35 / d2  # = 0.27
    assert 0 < weight < 0.5
    season = shrink(own(s, noise=0.45), PATTERN, FAMILY)
    assert_allclose(season.weight, weight)
    expected = PATTERN + weight * (s - PATTERN)
    assert_allclose(season.indices, expected / expected.mean())
    assert season.source == FAMILY


def test_the_item_noise_is_pooled_with_the_group_prior():
    s = 1 + 0.2 * ALTERNATING  # d2 = 0.48
    # own noise 0.01 on 12 df, prior 0.05 at 12 df: (12 x 0.01 + 12 x 0.05) / 24 = 0.03
    # v = 0.03 / 3 = 0.01; (m - 3) v = 0.09 -> weight 1 - 0.09 / 0.48 = 0.8125
    season = shrink(own(s, noise=0.01, df=12), np.ones(12), NONE, 0.05)
    assert_allclose(season.weight, 0.8125)
    # a noisier item than its group keeps its own noise (0.05, not the pooled 0.03):
    # v = 0.05 / 3; (m - 3) v = 0.15 -> weight 1 - 0.15 / 0.48 = 0.6875
    season = shrink(own(s, noise=0.05, df=12), np.ones(12), NONE, 0.01)
    assert_allclose(season.weight, 0.6875)


def test_without_own_history_the_target_is_used_as_it_is():
    season = shrink(None, PATTERN, PORTFOLIO)
    assert (season.weight, season.source) == (0.0, PORTFOLIO)
    assert_allclose(season.indices, PATTERN)
    assert shrink(None, np.ones(12), NONE).source == NONE


def test_a_coherent_family_passes_its_shape_on_and_unrelated_series_do_not():
    alike = {f"a{i}": own(PATTERN, 0.01) for i in range(3)}
    # two members with opposite patterns: the mean is flat, each is far from the other
    opposite = {"u1": own(PATTERN, 0.01), "u2": own(2 - PATTERN, 0.01)}
    family_of = {**{uid: "Alike" for uid in alike}, "u1": "Mixed", "u2": "Mixed"}
    groups = fit_groups({**alike, **opposite}, family_of, 12)
    indices, coherence = groups.families["Alike"]
    # leave-one-out mean of identical members is the pattern itself: coherence 1
    assert_allclose(coherence, 1.0)
    assert_allclose(indices, PATTERN)
    assert groups.target("Alike")[1] == FAMILY
    # u1 against the other member (2 - P): |P - (2 - P)|^2 = 4 |P - 1|^2, against the
    # portfolio's level above it about |P - 1|^2: coherence max(0, 1 - 4 x ...) = 0
    assert groups.families["Mixed"][1] == 0.0


def test_portfolio_seasons_cut_history_at_each_origin():
    rng = np.random.default_rng(1)
    months = pd.date_range("2022-01-01", periods=36, freq="MS").to_numpy()
    pos = positions_of(months, 12)
    series = {
        f"old-{i}": (100 * PATTERN[pos] * (1 + 0.02 * rng.standard_normal(36)), pos)
        for i in range(4)
    }
    series["young"] = (50 * PATTERN[pos[-15:]], pos[-15:])
    family_of = dict.fromkeys(series, "F")
    seasons = PortfolioSeasons(series, family_of, 12, members=list(series))
    young = seasons.season("young")
    assert young.source == FAMILY
    assert_allclose(young.indices, PATTERN, rtol=0.08)
    # 13 months back the old members have 23 months: none is mature, nothing to borrow
    assert seasons.groups(13).portfolio_coherence == 0.0
    assert seasons.season("young", 13).source == NONE


def test_white_noise_is_mostly_shrunk_flat():
    rng = np.random.default_rng(0)
    weights = []
    for _ in range(200):
        y = 100 * (1 + 0.1 * rng.standard_normal(36))
        weights.append(shrink(own_season(y, np.arange(36) % 12, 12), np.ones(12), NONE).weight)
    # James-Stein keeps about 1 - (m - 3) / (m - 1) = 0.18 of pure noise on average
    assert np.mean(weights) < 0.3


def test_many_items_shrunk_at_once_are_each_shrunk_alone():
    rng = np.random.default_rng(5)
    family = PATTERN * 0.5 + 0.5
    additive = OwnSeason(10 * (PATTERN - 1), np.full(12, 2), 4.0, 12, ADDITIVE, 50.0)
    owns = [
        own(PATTERN, noise=0.001),  # clear pattern: mostly its own
        own(1 + 0.05 * rng.standard_normal(12), noise=0.2),  # noise: pulled to the target
        None,  # no history: the target
        additive,
        own(PATTERN, noise=float("nan"), df=0),  # no noise of its own: the prior's, if any
        own(np.ones(12), noise=0.01),  # flat
    ]
    targets = np.stack([family, family, PATTERN, family, family, np.ones(12)])
    sources = [FAMILY, FAMILY, PORTFOLIO, FAMILY, FAMILY, NONE]
    for prior in (0.02, float("nan")):
        together = shrink_many(owns, targets, sources, prior_noise=prior)
        for season, one, target, source in zip(together, owns, targets, sources, strict=True):
            alone = shrink(one, target, source, prior_noise=prior)
            assert (season.kind, season.source) == (alone.kind, alone.source)
            assert_allclose(season.weight, alone.weight, rtol=1e-12)
            assert_allclose(season.indices, alone.indices, rtol=1e-12, atol=1e-12)
        # without any noise estimate (its own or the prior) the item's own indices get no weight
        assert together[4].weight == 0.0 if np.isnan(prior) else together[4].weight > 0.5
    assert [s.source for s in together] == [ITEM, FAMILY, PORTFOLIO, ITEM, FAMILY, NONE]


def test_a_series_outside_the_portfolio_takes_its_group_indices():
    months = pd.date_range("2022-01-01", periods=36, freq="MS").to_numpy()
    pos = positions_of(months, 12)
    series = {f"s{i}": (100 * PATTERN[pos] * (1 + 0.01 * i), pos) for i in range(3)}
    seasons = PortfolioSeasons(series, dict.fromkeys([*series, "other"], "F"), 12)
    stranger = seasons.season("other")
    assert stranger.weight == 0.0 and stranger.source == FAMILY
    assert_allclose(stranger.indices, seasons.groups().families["F"][0])

"""Seasonal indices that hold up on short histories: the item's own, borrowed, and shrunk.

A startup's item has one to three years of history, too little for the classical seasonality
tests; a seasonal item classed flat loses its peaks, and one that gains a month can flip between
flat and seasonal. Instead every series gets seasonal indices by empirical Bayes shrinkage:

1. **Own indices** (:func:`own_season`): the ratios of each month to a centred 2x12 moving
   average (its ends extended linearly, so two years give two ratios per calendar month),
   averaged per calendar month over the last ``window`` months; their sampling variance comes
   from the spread of the ratios within each month. Multiplicative for non-negative series,
   additive otherwise.
2. **Group indices** (:func:`fit_groups`): the mean of the own indices of the mature members
   (two full years or more) of the item's family, and of the whole portfolio, each weighted by
   its *coherence*: the share of its members' seasonal variation that the group mean explains
   out of sample (leave-one-out). A family whose items peak together passes its shape on; a set
   of unrelated series (M3's categories) has a coherence near zero and passes on nothing.
3. **Shrinkage** (:func:`shrink`): the positive-part James-Stein estimator pulls the own
   indices toward the group's (toward no seasonality when the group has none) by as much as
   their sampling noise warrants. A new item takes its group's shape; as its history grows its
   own indices take over; a noisy non-seasonal item is pulled flat. No test decides "seasonal
   or not", so a series gaining one month moves its indices a little, never between flat and
   seasonal.

References:
    Miller, D. M. and Williams, D. (2003). Shrinkage estimators of time series seasonal factors
    and their effect on forecasting accuracy. International Journal of Forecasting 19(4),
    669-684.
    Dekker, M., van Donselaar, K. and Ouwehand, P. (2004). How to use aggregation and combined
    forecasting to improve seasonal demand forecasts. International Journal of Production
    Economics 90(2), 151-167 (group seasonal indices).
    Makridakis, S., Wheelwright, S. C. and Hyndman, R. J. (1998). Forecasting: methods and
    applications, 3rd ed., chapter 3 (classical decomposition). Wiley.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

MULTIPLICATIVE = "multiplicative"
ADDITIVE = "additive"
ITEM, FAMILY, PORTFOLIO, NONE = "item", "family", "portfolio", "none"
SOURCES = (ITEM, FAMILY, PORTFOLIO, NONE)
WINDOW_MONTHS = 72  # own indices from the last six years: older patterns go stale
PRIOR_DF = 12  # weight (in degrees of freedom) of the group's noise level in an item's
MIN_INDEX = 0.05  # multiplicative indices are floored here (a zero index cannot be divided by)
FLAT = 0.02  # indices within 2 % of flat count as no seasonality
# The residual variance of the ratios understates the sampling variance of the indices: the
# moving average shares each month's own noise and the extended ends are extrapolated. On
# simulated white noise (24-96 months) the squared distance of the indices from flat averaged
# 1.11-1.21 times (m - 1) x their estimated variance, instead of 1.
NOISE_INFLATION = 1.15


@dataclass(frozen=True)
class OwnSeason:
    """One series' own seasonal indices and how precisely they are known.

    Attributes:
        indices: one index per position of the season (calendar month), mean 1
            (multiplicative) or 0 (additive).
        counts: ratios averaged into each index.
        noise: variance of one ratio around its position's mean (NaN without replicates).
        df: degrees of freedom of ``noise``.
        kind: ``multiplicative`` or ``additive``.
        level: mean of the trend, to convert between the two kinds.
    """

    indices: np.ndarray
    counts: np.ndarray
    noise: float
    df: int
    kind: str
    level: float


@dataclass(frozen=True)
class Season:
    """The seasonal indices a series is adjusted with.

    Attributes:
        indices: one per position of the season (``kind`` says how they apply).
        kind: ``multiplicative`` (divide) or ``additive`` (subtract).
        weight: the weight of the item's own evidence (0: all borrowed, 1: all its own).
        source: where the seasonality mostly comes from: ``item`` (its own evidence weighs
            at least half), else its target's: ``family``, ``portfolio`` or ``none`` (no
            common pattern to borrow: whatever seasonality is left is the item's own, shrunk
            by more than half).
    """

    indices: np.ndarray
    kind: str
    weight: float
    source: str

    def adjust(self, y: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The seasonally adjusted values of ``y`` at ``positions``."""
        if self.kind == MULTIPLICATIVE:
            return y / self.indices[positions]
        return y - self.indices[positions]

    def restore(self, adjusted: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Re-seasonalise adjusted values (forecasts) at ``positions``."""
        if self.kind == MULTIPLICATIVE:
            return adjusted * self.indices[positions]
        return adjusted + self.indices[positions]


@dataclass(frozen=True)
class GroupSeasons:
    """Seasonal indices of the portfolio and of each family, shrunk by their coherence.

    Attributes:
        portfolio: the portfolio's multiplicative indices (ones when it has no common pattern).
        portfolio_coherence: weight of the portfolio pattern against no seasonality (0..1).
        families: family -> (indices, coherence against the portfolio's indices), for the
            families with two mature members or more.
        noise: the median noise of one ratio among the mature members (NaN without members),
            the prior for items whose own noise is poorly known.
    """

    portfolio: np.ndarray
    portfolio_coherence: float
    families: Mapping[str, tuple[np.ndarray, float]]
    noise: float

    def target(self, family: str | None) -> tuple[np.ndarray, str]:
        """The indices an item of ``family`` is shrunk toward, and their source: its family's
        when the family has two mature members or more, else the portfolio's."""
        if family in self.families:
            indices = self.families[family][0]
            return indices, NONE if is_flat(indices, MULTIPLICATIVE, 1.0) else FAMILY
        if is_flat(self.portfolio, MULTIPLICATIVE, 1.0):
            return np.ones_like(self.portfolio), NONE
        return self.portfolio, PORTFOLIO


def positions_of(months: np.ndarray, season_length: int) -> np.ndarray:
    """Position in the season of each month (``datetime64``): the calendar month for 12."""
    stamps = np.asarray(months, dtype="datetime64[M]").astype(np.int64)
    return np.mod(stamps, season_length)


def moving_trend(y: np.ndarray, season_length: int) -> np.ndarray:
    """The centred moving average of one season (2xm for even m), ends extended linearly.

    The first and last ``m // 2`` values, which the moving average cannot reach, continue the
    straight line through its first (last) ``m // 2`` values. Series too short for a moving
    average of four or more values get their least-squares line instead.
    """
    y = np.asarray(y, dtype=float)
    return moving_trends(y[None, :], season_length)[0] if len(y) > 1 else y.copy()


def moving_trends(rows: np.ndarray, season_length: int) -> np.ndarray:
    """:func:`moving_trend` of every row of ``rows`` (series of one length, two or more)."""
    n = rows.shape[1]
    weights = _moving_weights(season_length)
    half = len(weights) // 2
    if n - 2 * half < 4:
        return _lines_through(rows, 0, np.arange(n))
    trend = np.empty_like(rows)
    inner = n - 2 * half
    trend[:, half : n - half] = sum(w * rows[:, j : j + inner] for j, w in enumerate(weights))
    k = max(2, min(half, inner))
    trend[:, :half] = _lines_through(trend[:, half : half + k], half, np.arange(half))
    tail = n - half - k
    trend[:, n - half :] = _lines_through(trend[:, tail : n - half], tail, np.arange(n - half, n))
    return trend


@cache
def _moving_weights(season_length: int) -> tuple[float, ...]:
    m = season_length
    return (0.5 / m, *([1.0 / m] * (m - 1)), 0.5 / m) if m % 2 == 0 else (1.0 / m,) * m


def _lines_through(rows: np.ndarray, start: int, at: np.ndarray) -> np.ndarray:
    """The least-squares line through each row (at x = start, start + 1, ...), evaluated at
    ``at``: ``np.polyval(np.polyfit(x, row, 1), at)`` in closed form."""
    k = rows.shape[1]
    centred = np.arange(k) - (k - 1) / 2.0
    slopes = rows @ centred / (centred @ centred)
    return rows.mean(axis=1)[:, None] + slopes[:, None] * (at - (start + (k - 1) / 2.0))


def own_season(
    y: np.ndarray, positions: np.ndarray, season_length: int, window: int = WINDOW_MONTHS
) -> OwnSeason | None:
    """A series' own seasonal indices from its last ``window`` months.

    Args:
        y: the series (at least one full season).
        positions: position in the season of each value (:func:`positions_of`).
        season_length: the seasonal period.
        window: months used (the most recent).

    Returns:
        The indices with their precision, or ``None`` when the series is shorter than one
        season or constant.
    """
    y = np.asarray(y, dtype=float)[-window:]
    return own_seasons(y[None, :], np.asarray(positions)[-window:], season_length)[0]


def own_seasons(
    rows: np.ndarray, positions: np.ndarray, season_length: int
) -> list[OwnSeason | None]:
    """:func:`own_season` of every row of ``rows`` at once: series of one length whose values
    fall on the same ``positions`` (a portfolio cut at one origin is a few such blocks); the
    rows are used whole (cut them to the window first)."""
    m = season_length
    count, n = rows.shape
    if m < 2 or n < m:
        return [None] * count
    rows = np.asarray(rows, dtype=float)
    trend = moving_trends(rows, m)
    multiplicative = (rows.min(axis=1) >= 0) & (trend.min(axis=1) > 0)
    ratios = np.where(
        multiplicative[:, None], rows / np.where(multiplicative[:, None], trend, 1.0), rows - trend
    )
    counts = np.bincount(positions, minlength=m)
    means = ratios @ (positions[:, None] == np.arange(m)) / np.maximum(counts, 1)
    resid = ratios - means[:, positions]
    df = n - m
    noise = NOISE_INFLATION * np.sum(resid**2, axis=1) / df if df > 0 else np.full(count, np.nan)
    scale = means.mean(axis=1)
    usable = (np.ptp(rows, axis=1) > 0) & (~multiplicative | (scale > 0))
    safe_scale = np.where(multiplicative & usable, scale, 1.0)
    indices = np.where(multiplicative[:, None], means / safe_scale[:, None], means - scale[:, None])
    noise = np.where(multiplicative, noise / safe_scale**2, noise)
    level = trend.mean(axis=1)
    return [
        OwnSeason(
            indices=indices[i],
            counts=counts,
            noise=float(noise[i]),
            df=max(df, 0),
            kind=MULTIPLICATIVE if multiplicative[i] else ADDITIVE,
            level=float(level[i]),
        )
        if usable[i]
        else None
        for i in range(count)
    ]


def fit_groups(
    seasons: Mapping[str, OwnSeason],
    family_of: Mapping[str, str | None],
    season_length: int,
) -> GroupSeasons:
    """Pool the mature members' own indices into portfolio and family indices.

    A group's indices are the mean of its members' multiplicative indices, moved from the next
    level up (no seasonality for the portfolio; the portfolio for a family) by the group's
    coherence ``c = max(0, 1 - E|S_i - G_-i|^2 / E|S_i - U|^2)``: how much closer each member
    is to the mean of the *other* members (``G_-i``) than to the level above (``U``). Leaving
    the member out keeps a family of two or three from explaining itself.

    Args:
        seasons: own indices of the mature series (multiplicative ones are pooled).
        family_of: series -> family (``None``: no family).
        season_length: the seasonal period.

    Returns:
        The group indices.
    """
    m = season_length
    pooled = {uid: s for uid, s in seasons.items() if s.kind == MULTIPLICATIVE}
    flat = np.ones(m)
    if not pooled:
        return GroupSeasons(flat, 0.0, {}, float("nan"))
    ids = list(pooled)
    matrix = np.stack([pooled[uid].indices for uid in ids])
    noises = np.array([pooled[uid].noise for uid in ids])
    portfolio, p_coherence = _coherent_mean(matrix, flat)
    families: dict[str, tuple[np.ndarray, float]] = {}
    labels = np.array([family_of.get(uid) or "" for uid in ids], dtype=object)
    for fam in sorted(set(labels) - {""}):
        members = matrix[labels == fam]
        if len(members) >= 2:
            families[fam] = _coherent_mean(members, portfolio)
    finite = noises[np.isfinite(noises)]
    noise = float(np.median(finite)) if len(finite) else float("nan")
    return GroupSeasons(portfolio, p_coherence, families, noise)


def _coherent_mean(members: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, float]:
    """The members' mean moved from ``upper`` by its leave-one-out coherence."""
    n = len(members)
    if n < 2:
        return upper, 0.0
    mean = members.mean(axis=0)
    leave_one_out = (n * mean - members) / (n - 1)
    inside = np.mean(np.sum((members - leave_one_out) ** 2, axis=1))
    above = np.mean(np.sum((members - upper) ** 2, axis=1))
    coherence = float(max(0.0, 1.0 - inside / above)) if above > 0 else 0.0
    return upper + coherence * (mean - upper), coherence


def shrink(
    own: OwnSeason | None,
    target: np.ndarray,
    target_source: str,
    prior_noise: float = float("nan"),
) -> Season:
    """Shrink an item's own indices toward its group's (positive-part James-Stein).

    With ``d2 = |S - T|^2`` the squared distance between the own indices ``S`` and the target
    ``T`` (both centred the same way), and ``v`` the mean sampling variance of the own indices,
    the weight of the own indices is ``max(0, 1 - (m - 3) v / d2)``. The noise of one ratio is
    the item's own, pooled with ``prior_noise`` (the group's) at ``PRIOR_DF`` degrees of
    freedom (never below the item's own), so a year or two of data is not trusted on its own
    few replicates.

    Args:
        own: the item's own indices (``None``: less than a season of history).
        target: the group's multiplicative indices (:meth:`GroupSeasons.target`).
        target_source: ``family``, ``portfolio`` or ``none``.
        prior_noise: the group's noise of one ratio (multiplicative scale).

    Returns:
        The indices the series is adjusted with.
    """
    target = np.asarray(target, dtype=float)
    return shrink_many([own], target[None, :], [target_source], prior_noise)[0]


def shrink_many(
    owns: Sequence[OwnSeason | None],
    targets: np.ndarray,
    target_sources: Sequence[str],
    prior_noise: float = float("nan"),
) -> list[Season]:
    """:func:`shrink` of many items at once: ``targets`` has one row per item of ``owns``."""
    count, m = targets.shape
    has = np.array([own is not None for own in owns], dtype=bool)
    mine = [own for own in owns if own is not None]
    own_indices, counts = targets.copy(), np.ones((count, m))
    own_noise, df = np.full(count, np.nan), np.zeros(count)
    level, multiplicative = np.ones(count), np.ones(count, dtype=bool)
    if mine:
        own_indices[has] = [own.indices for own in mine]
        counts[has] = [own.counts for own in mine]
        own_noise[has] = [own.noise for own in mine]
        df[has] = [own.df for own in mine]
        level[has] = [own.level for own in mine]
        multiplicative[has] = [own.kind == MULTIPLICATIVE for own in mine]
    goal = np.where(multiplicative[:, None], targets, (targets - 1.0) * level[:, None])
    prior = np.where(multiplicative, prior_noise, prior_noise * level**2)
    noise = _pooled_noises(own_noise, df, prior)
    variance = np.mean(noise[:, None] / np.maximum(counts, 1), axis=1)
    distance = np.sum((own_indices - goal) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.clip(1 - (m - 3) * variance / distance, 0, 1)
        weight = np.where(distance == 0, 1.0, weight)
        weight = np.where(has & np.isfinite(noise), weight, 0.0)
        indices = goal + weight[:, None] * (own_indices - goal)
        indices = np.where(
            multiplicative[:, None],
            np.maximum(indices / indices.mean(axis=1)[:, None], MIN_INDEX),
            indices,
        )
    indices[~has] = np.maximum(targets[~has], MIN_INDEX)
    flat = np.where(
        multiplicative,
        np.max(np.abs(np.where(has[:, None], indices, targets) - 1.0), axis=1) < FLAT,
        np.max(np.abs(indices), axis=1) < FLAT * np.abs(level),
    )
    return [
        Season(
            indices[i],
            MULTIPLICATIVE if multiplicative[i] else ADDITIVE,
            float(weight[i]),
            NONE if flat[i] else ITEM if has[i] and weight[i] >= 0.5 else target_sources[i],
        )
        for i in range(count)
    ]


def is_flat(indices: np.ndarray, kind: str, level: float) -> bool:
    """Whether indices stay within ``FLAT`` (2 %) of no seasonality."""
    if kind == MULTIPLICATIVE:
        return bool(np.max(np.abs(indices - 1.0)) < FLAT)
    return bool(np.max(np.abs(indices)) < FLAT * abs(level))


def _pooled_noises(own: np.ndarray, df: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Each item's noise pooled with its group's; never below the item's own estimate (an item
    noisier than its group must not borrow the group's precision)."""
    known = (df > 0) & np.isfinite(own)
    pooled = np.maximum(own, (df * own + PRIOR_DF * prior) / (df + PRIOR_DF))
    return np.where(known & np.isfinite(prior), pooled, np.where(known, own, prior))


class PortfolioSeasons:
    """The seasonal indices of every series of a portfolio, as of any number of months back.

    Cross-validation forecasts from an origin ``offset`` months before the end must not see
    the months after it, neither in the item's own indices nor in its group's; so the group
    indices are pooled again for every offset, from the members' histories cut at it.

    Args:
        series: per series id, its values and their positions in the season (both cut at the
            end of history).
        family_of: series -> family (``None``: no family).
        season_length: the seasonal period.
        members: the series pooled into group indices (default: all); sparse series, whose
            monthly ratios are mostly noise, are better left out.
        window: months the own indices are estimated from (the most recent).
    """

    def __init__(
        self,
        series: Mapping[str, tuple[np.ndarray, np.ndarray]],
        family_of: Mapping[str, str | None],
        season_length: int,
        members: Collection[str] | None = None,
        window: int = WINDOW_MONTHS,
    ):
        self._series = series
        self._members = set(series) if members is None else set(members) & set(series)
        self._family_of = family_of
        self._m = season_length
        self._window = window
        self._own: dict[int, dict[str, OwnSeason | None]] = {}
        self._groups: dict[int, GroupSeasons] = {}
        self._seasons: dict[int, dict[str, Season]] = {}

    def own(self, uid: str, offset: int = 0) -> OwnSeason | None:
        """The series' own indices from its history without its last ``offset`` months."""
        return self._own_at(offset).get(uid)

    def _own_at(self, offset: int) -> dict[str, OwnSeason | None]:
        """Every series' own indices at one origin, computed together (:func:`own_seasons`) in
        blocks of series with the same months."""
        if offset not in self._own:
            found: dict[str, OwnSeason | None] = {}
            blocks: dict[bytes, tuple[np.ndarray, list[str], list[np.ndarray]]] = {}
            for uid, (y, positions) in self._series.items():
                end = len(y) - offset
                if end <= 0:
                    found[uid] = None
                    continue
                start = max(0, end - self._window)
                months = np.asarray(positions[start:end])
                block = blocks.setdefault(months.tobytes(), (months, [], []))
                block[1].append(uid)
                block[2].append(y[start:end])
            for months, uids, values in blocks.values():
                rows = np.asarray(values, dtype=float)
                found.update(zip(uids, own_seasons(rows, months, self._m), strict=True))
            self._own[offset] = found
        return self._own[offset]

    def groups(self, offset: int = 0) -> GroupSeasons:
        """Family and portfolio indices from the mature members' histories cut ``offset``
        months before their end."""
        if offset not in self._groups:
            mature = {
                uid: season
                for uid in sorted(self._members)
                if len(self._series[uid][0]) - offset >= 2 * self._m
                and (season := self.own(uid, offset)) is not None
            }
            self._groups[offset] = fit_groups(mature, self._family_of, self._m)
        return self._groups[offset]

    def season(self, uid: str, offset: int = 0) -> Season:
        """The indices the series is adjusted with at the origin ``offset`` months back."""
        found = self._seasons_at(offset).get(uid)
        if found is None:  # not one of the portfolio's series: its group's indices
            groups = self.groups(offset)
            target, source = groups.target(self._family_of.get(uid))
            found = shrink(None, target, source, groups.noise)
        return found

    def _seasons_at(self, offset: int) -> dict[str, Season]:
        """Every series' shrunk indices at one origin, computed together (:func:`shrink_many`)."""
        if offset not in self._seasons:
            groups = self.groups(offset)
            own = self._own_at(offset)
            uids = list(own)
            families = [self.family(uid) for uid in uids]
            targets = {family: groups.target(family) for family in set(families)}
            chosen = [targets[family] for family in families]
            shrunk = shrink_many(
                [own[uid] for uid in uids],
                np.array([target for target, _ in chosen], dtype=float).reshape(len(uids), self._m),
                [source for _, source in chosen],
                groups.noise,
            )
            self._seasons[offset] = dict(zip(uids, shrunk, strict=True))
        return self._seasons[offset]

    def family(self, uid: str) -> str | None:
        """The series' family."""
        return self._family_of.get(uid)

"""The settings of one forecasting run, checked when they are made.

:class:`EngineSettings` is the engine's own configuration (usable without the pipeline, e.g. by
``sop-pipeline forecast`` and the benchmarks). The pipeline builds it from the ``forecast``
section of its settings file (:class:`sop_pipeline.settings.ForecastSettings`) in
:func:`sop_pipeline.forecast.assets.engine_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

SELECTIONS = ("standard", "fast")
ENGINES = ("local", "dask")
DORMANT_DEMAND = ("keep", "tsb", "zero")


@dataclass(frozen=True)
class EngineSettings:
    """How the forecasting engine classifies, selects and runs.

    Args:
        horizon: months forecast after the last history month.
        levels: prediction-interval levels in percent; the output has ``lo-<l>``/``hi-<l>``
            columns for each.
        season_length: observations per seasonal cycle (12 for monthly data).
        selection: ``"standard"`` (the default: long series are combined from three
            non-seasonal models on the seasonally adjusted series and AutoETS with its own
            seasonality) or ``"fast"`` (AutoETS left out: about three times cheaper, less
            robust where seasonality changes over the years; see bench/RESULTS.md).
        cv_windows: rolling-origin windows used to select the model of a long or intermittent
            series (at least 1).
        cv_step: months between two cross-validation origins.
        cv_horizon: months ahead scored in each window; ``None`` means ``horizon``.
        engine: ``"local"`` (processes on this machine) or ``"dask"`` (batches of series
            forecast by the workers of a Dask cluster).
        dask_address: scheduler address for ``engine="dask"``; ``None`` starts a local cluster.
        n_jobs: processes for the local engine (-1: every core).
        new_product_months: a series with fewer months of history since launch is a new product
            and gets its family's seasonal profile scaled to its launch level.
        min_long_months: a series with at least this many months (and not intermittent) is
            long: it gets seasonal and trend models and rolling-origin selection.
        intermittent_adi: average demand interval (months per non-zero month) from which a
            series is intermittent (Syntetos-Boylan cut-off, 1.32).
        short_cv_horizon: months ahead scored in each window when a series is too short for
            the long cross-validation (fewer than its held-out months plus two seasons).
        short_cv_windows: windows (one month apart) of that short cross-validation.
        error_months: months ahead scored for a long or intermittent series too short for the
            long cross-validation (24-41 months at the defaults): as many origins one month
            apart as leave ``season_length + new_product_months`` months before the first (at
            most ``max_error_windows``), so safety stock rests on errors measured at the
            months ahead it protects (set it to the longest lead time + review period).
        max_error_windows: the most origins of that cross-validation.
        combination_margin: a single model replaces the combination only when its
            cross-validation error is smaller by more than this fraction (0.5: it must halve
            the combination's error). On M3 every smaller margin lost accuracy: picking the
            plain minimum gave sMAPE 14.02 against 13.57 (bench/RESULTS.md).
        switch_margin: when the previous plan month's model of a series is known, another
            candidate replaces it only when its cross-validation error is smaller by more than
            this fraction, so one more month of history does not flip the model on noise.
        dormant_demand: the forecast of a dormant intermittent series - one whose months
            without demand since its last sale outnumber every earlier gap between two sales
            and twice its average demand interval (:func:`.classify.dormant_series`):
            ``keep`` (its model as chosen), ``tsb`` (TSB, whose demand probability decays
            with every month without demand) or ``zero`` (obsolete: no demand expected).
    """

    horizon: int = 12
    levels: tuple[int, ...] = (80, 95)
    season_length: int = 12
    selection: str = "standard"
    cv_windows: int = 2
    cv_step: int = 6
    cv_horizon: int | None = None
    engine: str = "local"
    dask_address: str | None = None
    n_jobs: int = -1
    new_product_months: int = 6
    min_long_months: int = 24
    intermittent_adi: float = 1.32
    short_cv_horizon: int = 3
    short_cv_windows: int = 3
    error_months: int = 6
    max_error_windows: int = 12
    combination_margin: float = 0.5
    switch_margin: float = 0.2
    dormant_demand: str = "keep"

    def __post_init__(self) -> None:
        levels = tuple(sorted({int(level) for level in self.levels}))
        object.__setattr__(self, "levels", levels)
        _require(self.horizon >= 1, f"horizon must be at least 1 month, got {self.horizon}")
        _require(
            len(levels) > 0 and all(50 <= level < 100 for level in levels),
            f"levels must be percentages in [50, 100), got {self.levels}",
        )
        _require(self.season_length >= 1, "season_length must be at least 1")
        _require(
            self.selection in SELECTIONS,
            f"selection must be one of {SELECTIONS}, got {self.selection!r}",
        )
        _require(self.cv_windows >= 1, f"cv_windows must be at least 1, got {self.cv_windows}")
        _require(self.cv_step >= 1, f"cv_step must be at least 1, got {self.cv_step}")
        _require(
            self.cv_horizon is None or self.cv_horizon >= 1,
            f"cv_horizon must be None or at least 1, got {self.cv_horizon}",
        )
        _require(self.engine in ENGINES, f"engine must be one of {ENGINES}, got {self.engine!r}")
        _require(self.n_jobs == -1 or self.n_jobs >= 1, "n_jobs must be -1 or at least 1")
        _require(self.new_product_months >= 1, "new_product_months must be at least 1")
        _require(
            self.min_long_months > self.new_product_months,
            "min_long_months must exceed new_product_months",
        )
        _require(self.intermittent_adi > 1, "intermittent_adi must exceed 1")
        _require(self.short_cv_horizon >= 1, "short_cv_horizon must be at least 1")
        _require(self.short_cv_windows >= 2, "short_cv_windows must be at least 2")
        _require(self.error_months >= 1, "error_months must be at least 1")
        _require(self.max_error_windows >= 2, "max_error_windows must be at least 2")
        short_test = self.short_cv_horizon + self.short_cv_windows - 1
        _require(
            self.new_product_months > short_test,
            f"new_product_months must exceed the short cross-validation's held-out months "
            f"({short_test}) so every forecast series keeps history before its first origin",
        )
        _require(0 <= self.combination_margin < 1, "combination_margin must be in [0, 1)")
        _require(0 <= self.switch_margin < 1, "switch_margin must be in [0, 1)")
        _require(
            self.dormant_demand in DORMANT_DEMAND,
            f"dormant_demand must be one of {DORMANT_DEMAND}, got {self.dormant_demand!r}",
        )

    @property
    def cv_h(self) -> int:
        """Months ahead scored in each cross-validation window of a long series."""
        return self.cv_horizon if self.cv_horizon is not None else self.horizon

    def error_windows(self, n_obs: int) -> int:
        """Origins of the error cross-validation of a series with ``n_obs`` months (below
        ``short_cv_windows``: too short for it, the short cross-validation is used)."""
        train = self.season_length + self.new_product_months
        windows = min(n_obs - train - self.error_months + 1, self.max_error_windows)
        return windows if windows >= self.short_cv_windows else 0

    @property
    def cv_test_size(self) -> int:
        """Months held out by the earliest cross-validation window of a long series."""
        return self.cv_h + (self.cv_windows - 1) * self.cv_step


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)

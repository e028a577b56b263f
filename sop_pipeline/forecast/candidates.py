"""The candidate models of each demand class, for the ``fast`` and ``full`` selections.

The sets were chosen by accuracy per second on M3 monthly and timed on 48-month series (the
measurements are in ``bench/RESULTS.md``, section Forecasting). Names in the ``model`` column:

- ``Theta``: Dynamic Optimised Theta (DOTM);
- ``CES``: complex exponential smoothing (non-seasonal);
- ``ETS``: AutoETS among non-seasonal forms with damped trends;
- ``SeasonalNaive``: the same month last year (seasonal series only);
- ``Combination(Theta+CES+ETS)``: the equal-weight mean of the three, the default of long
  series: a single model replaces it only when its cross-validation error is less than
  ``1 - combination_margin`` times the combination's;
- ``full`` adds ``AutoETS`` (seasonal forms chosen by AICc, damped trends), which replaces
  ``ETS`` in the combination (AutoARIMA was measured and left out: see bench/RESULTS.md);
- intermittent series: ``CrostonSBA`` (Croston with the Syntetos-Boylan correction), ``ADIDA``,
  ``IMAPA``, ``TSB`` (Teunter-Syntetos-Babai, smoothing 0.1 and 0.1), picked by mean squared
  error;
- short series: ``Naive``, ``Mean``, ``SES`` (optimised simple exponential smoothing),
  ``DampedTrend`` (additive damped-trend ETS) and the family profile at the product's recent
  level (named ``FamilyProfile``, ``PortfolioProfile`` or ``LaunchLevel`` by where the profile
  comes from), the method of new products, so a product keeps its family's seasonality when it
  stops being new.

For seasonal series, Theta, CES and ETS forecast the seasonally adjusted series
(:class:`~sop_pipeline.forecast.models.SeasonallyAdjusted`); the series' class, decided on its
full history, fixes that choice for every cross-validation window too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoCES,
    AutoETS,
    CrostonSBA,
    DynamicOptimizedTheta,
    HistoricAverage,
    Naive,
    SeasonalNaive,
    SimpleExponentialSmoothingOptimized,
)

from sop_pipeline.forecast.classify import INTERMITTENT, LONG_CLASSES, SEASONAL, SHORT
from sop_pipeline.forecast.models import Candidate, SeasonallyAdjusted
from sop_pipeline.forecast.settings import ForecastSettings

COMBINATION = "Combination"
PROFILE = "FamilyProfile"


@dataclass(frozen=True)
class CandidateSet:
    """The models one group of series is cross-validated on.

    Args:
        name: a label for logs (``long``, ``intermittent``, ``short``).
        models: ``(name, factory)`` pairs; the factory builds the statsforecast model.
        combination: names of the models whose equal-weight mean is the ``Combination``
            candidate (empty: no combination).
        metric: the cross-validation error that picks the model: ``"mae"`` or ``"mse"``
            (intermittent demand, where the MAE favours forecasts of zero).
        profile: whether the family-profile forecast (the product's recent deseasonalised level
            in its family's seasonal profile, :func:`.new_products.profile_forecast`) is a
            candidate too; it is computed by this package, not by statsforecast.
        horizon_exponent: how the conformal interval widens with the months ahead ``j``:
            half-widths grow like ``j ** horizon_exponent`` (0.5 for level and trend models,
            whose errors accumulate like a random walk's; 0 for intermittent demand, whose
            error is mostly the month's own noise).
    """

    name: str
    models: tuple[tuple[str, Callable[[], object]], ...]
    combination: tuple[str, ...] = ()
    metric: str = "mae"
    profile: bool = False
    horizon_exponent: float = 0.5

    @property
    def combination_label(self) -> str:
        """How a chosen combination is named in the output, e.g. ``Combination(Theta+CES+ETS)``."""
        return f"{COMBINATION}({'+'.join(self.combination)})"

    @property
    def names(self) -> list[str]:
        """The single candidates' names (the family profile last)."""
        return [name for name, _ in self.models] + ([PROFILE] if self.profile else [])

    def build(self, only: set[str] | None = None) -> list[Candidate]:
        """Fresh statsforecast models (restricted to ``only`` when given)."""
        return [
            Candidate(factory(), alias=name)
            for name, factory in self.models
            if only is None or name in only
        ]


def candidate_set(series_class: str, settings: ForecastSettings) -> CandidateSet:
    """The candidate set of a demand class.

    Args:
        series_class: one of ``seasonal``, ``smooth``, ``intermittent``, ``short``.
        settings: ``season_length`` and ``selection`` (``fast`` or ``full``).

    Returns:
        The class's candidate set.

    Raises:
        ValueError: for a class that is not forecast by candidates (``new``, ``inactive``).
    """
    m = settings.season_length
    if series_class in LONG_CLASSES:
        seasonal = series_class == SEASONAL

        def adjusted(model: Callable[[], object]) -> Callable[[], object]:
            if not seasonal:
                return model
            return lambda: SeasonallyAdjusted(model(), season_length=m, decompose=True)

        models: list[tuple[str, Callable[[], object]]] = [
            ("Theta", adjusted(lambda: DynamicOptimizedTheta(season_length=1))),
            ("CES", adjusted(lambda: AutoCES(season_length=1))),
            ("ETS", adjusted(lambda: AutoETS(season_length=1, damped=True))),
        ]
        if seasonal:
            models.append(("SeasonalNaive", lambda: SeasonalNaive(season_length=m)))
        combination = ("Theta", "CES", "ETS")
        if settings.selection == "full":
            # AutoETS chooses seasonal forms by AICc even where the tests find no seasonality:
            # on M3's "smooth" series that beats its non-seasonal forms (sMAPE 18.1 vs 18.5).
            # AutoARIMA is left out: ~0.7 s per fit of a 48-month series, 17x AutoETS
            models.append(("AutoETS", lambda: AutoETS(season_length=m, damped=True)))
            combination = ("Theta", "CES", "AutoETS")
        return CandidateSet(series_class, tuple(models), combination, "mae")
    if series_class == INTERMITTENT:
        return CandidateSet(
            "intermittent",
            (
                ("CrostonSBA", CrostonSBA),
                ("ADIDA", ADIDA),
                ("IMAPA", IMAPA),
                ("TSB", lambda: TSB(alpha_d=0.1, alpha_p=0.1)),
            ),
            metric="mse",
            horizon_exponent=0.0,
        )
    if series_class == SHORT:
        return CandidateSet(
            "short",
            (
                ("Naive", Naive),
                ("Mean", HistoricAverage),
                ("SES", SimpleExponentialSmoothingOptimized),
                ("DampedTrend", lambda: AutoETS(season_length=1, model="AAN", damped=True)),
            ),
            metric="mae",
            profile=True,
        )
    raise ValueError(f"series class {series_class!r} has no candidate models")

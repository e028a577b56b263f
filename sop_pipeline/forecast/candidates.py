"""The candidate models of each demand class and their combination.

Every series is seasonally adjusted with its own shrunk indices (:mod:`.seasonality`) before the
non-seasonal candidates see it; the candidates marked ``raw`` see the series as it is and carry
their own seasonality. Names in the ``model`` column:

- long series (two years or more): ``Theta`` (dynamic optimised Theta), ``CES`` (complex
  exponential smoothing), ``ETS`` (AutoETS among non-seasonal, damped forms), each on the
  adjusted series; ``AutoETS`` (seasonal forms chosen by AICc, on the raw series: its seasonality
  evolves, where fixed indices go stale); ``SeasonalNaive`` (raw). The default is
  ``Combination(Theta+CES+ETS+AutoETS)``, their equal-weight mean; ``selection: fast`` leaves
  AutoETS out (three times cheaper, less robust on long, changing seasonality);
- short series (6-23 months): ``Theta``, ``SES`` (optimised simple exponential smoothing),
  ``DampedTrend`` (additive damped-trend ETS) and ``Naive``, all on the adjusted series (whose
  indices are mostly the family's); the default ``Combination(Theta+SES)``;
- intermittent series: ``ADIDA`` (aggregate over the mean demand interval, smooth, spread back)
  or ``IMAPA`` (the mean of that over every aggregation level up to the interval), whichever
  the group's series forecast better in their cross-validation taken together (pooled
  evidence, see :func:`.selection.pooled_default`); ``CrostonSBA`` (Croston with the
  Syntetos-Boylan correction), ``TSB`` (Teunter-Syntetos-Babai, smoothing 0.1 and 0.1) and
  ``SeasonalADIDA`` (the last year's demand spread over the months by the series' own shrunk
  seasonal indices, :class:`.models.SeasonalADIDA`: a slow mover that sells only in season)
  replace it only on strong evidence, all on the raw series and ranked by mean squared error.
  A per-series pick among the four by a short cross-validation is mostly noise, and
  Croston-type picks over-forecast: on public intermittent data
  (``bench/intermittent_benchmark.py``) one aggregation method for every series is as accurate
  as any per-series choice and far less biased.

A single model replaces the default (the combination, or the intermittent group's ADIDA or
IMAPA) only when its cross-validation error is far smaller (``combination_margin``). The sets
and the margin were chosen on cuts of M3 and M1 (24, 36 months and full length) and held
against statsforecast's own automatic models: ``bench/RESULTS.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoCES,
    AutoETS,
    CrostonSBA,
    DynamicOptimizedTheta,
    Naive,
    SeasonalNaive,
    SimpleExponentialSmoothingOptimized,
    ZeroModel,
)

from sop_pipeline.forecast.classify import INTERMITTENT, LONG, SHORT
from sop_pipeline.forecast.models import (
    Candidate,
    RollingOrigins,
    SeasonalADIDA,
    ets_form_code,
    ets_with_form,
    same_ets_form,
)
from sop_pipeline.forecast.settings import EngineSettings

COMBINATION = "Combination"
SEASONAL_ADIDA = "SeasonalADIDA"
DORMANT_ZERO = "Obsolete"
"""The zero forecast of a dormant intermittent series (``dormant_demand: zero``)."""
DORMANT_MODEL = {"tsb": "TSB", "zero": DORMANT_ZERO}
"""The candidate each ``dormant_demand`` setting gives a dormant series (``keep``: none)."""


@dataclass(frozen=True)
class Model:
    """One candidate model.

    Attributes:
        name: the name in the output.
        factory: builds a fresh statsforecast model (picklable: worker processes and Dask
            tasks rebuild the model from it).
        adjusted: fitted on the seasonally adjusted series (``False``: on the raw series).
        refit: for a raw model, turns the model fitted on the whole series into the one the
            earlier cross-validation origins are fitted with (see
            :class:`.models.RollingOrigins`).
        searches_form: an automatic model whose form (AutoETS's error, trend, season and
            damping) can be kept: it reports the form it found, and given a form it only fits
            that form's parameters. A raw model's form is kept from an earlier plan month
            (``forecast.ets_form_months``); an adjusted model's only when a month re-fits the
            previous month's models (:class:`.pipeline.CarriedFit`).
    """

    name: str
    factory: Callable[[], object]
    adjusted: bool = True
    refit: Callable[[object], object] | None = None
    searches_form: bool = False


@dataclass(frozen=True)
class CandidateSet:
    """The models one class of series is cross-validated on.

    Args:
        name: the class.
        models: the candidates.
        combination: names of the models whose equal-weight mean is the ``Combination``
            candidate (empty: no combination).
        default: the candidate a series keeps unless another one's cross-validation error is
            far smaller (``COMBINATION`` where there is a combination).
        pooled: candidates that take the default's place for a whole group of series when
            their cross-validation errors, taken across the group, are smaller than the
            default's (:func:`.selection.pooled_default`).
        reserved: candidates never chosen by their error, only given to the series a rule
            assigns them (the forecast of dormant series, ``dormant_demand: zero``).
        metric: the cross-validation error that picks the model: ``"mae"`` or ``"mse"``
            (intermittent demand, where the MAE favours forecasts of zero).
        horizon_exponent: how the conformal interval widens with the months ahead ``j``:
            half-widths grow like ``j ** horizon_exponent`` (0.5 for level and trend models,
            whose errors accumulate like a random walk's; 0 for intermittent demand, whose
            error is mostly the month's own noise).
        season_length: the seasonal period a kept AutoETS form is fitted with.
    """

    name: str
    models: tuple[Model, ...]
    combination: tuple[str, ...] = ()
    metric: str = "mae"
    horizon_exponent: float = 0.5
    default: str | None = None
    pooled: tuple[str, ...] = ()
    reserved: tuple[str, ...] = ()
    season_length: int = 12

    @property
    def favoured(self) -> str | None:
        """The candidate favoured by the selection margin (the combination if any)."""
        return self.default or (COMBINATION if self.combination else None)

    @property
    def combination_label(self) -> str:
        """How a chosen combination is named in the output, e.g. ``Combination(Theta+SES)``."""
        return f"{COMBINATION}({'+'.join(self.combination)})"

    @property
    def names(self) -> list[str]:
        """The single candidates' names."""
        return [model.name for model in self.models]

    def build(self, *, adjusted: bool, form: str | None = None) -> list[Candidate]:
        """Fresh statsforecast models fitted on the adjusted (or the raw) series.

        Where an adjusted model searches a form (:attr:`searches_adjusted_form`), every
        candidate appends one number to its forecasts: that model the code of the form it used
        (:func:`.models.ets_form_code`), the others NaN. ``form``: the form that model keeps
        (falling back to its search where the form no longer fits).
        """
        reporting = adjusted and self.searches_adjusted_form
        built = []
        for model in self.models:
            if model.adjusted != adjusted:
                continue
            if not reporting:
                built.append(Candidate(model.factory(), alias=model.name))
            elif not model.searches_form:
                built.append(Candidate(model.factory(), alias=model.name, report=True))
            elif form is None:
                built.append(Candidate(model.factory(), alias=model.name, report=ets_form_code))
            else:
                built.append(
                    Candidate(
                        ets_with_form(form, 1),
                        alias=model.name,
                        report=ets_form_code,
                        fallback=model.factory(),
                    )
                )
        return built

    @property
    def searches_form(self) -> bool:
        """Whether a raw model of the set searches a form that can be kept (see
        :class:`Model`)."""
        return any(model.searches_form and not model.adjusted for model in self.models)

    @property
    def searches_adjusted_form(self) -> bool:
        """Whether a model of the set fitted on the adjusted series searches a form that can
        be kept (see :class:`Model`)."""
        return any(model.searches_form and model.adjusted for model in self.models)

    def build_rolling(
        self,
        offsets: list[int],
        steps: list[int],
        form: str | None = None,
    ) -> list[RollingOrigins]:
        """The raw models, each forecasting every origin of a series in one call.

        When the set has a form-searching model, every model appends one number to its packed
        forecasts (:attr:`.models.RollingOrigins.width`): that model the code of the form it
        used (:func:`.models.ets_form_code`), the others NaN. ``form``: the form the
        form-searching model keeps instead of searching.
        """
        reporting = self.searches_form
        built = []
        for model in self.models:
            if model.adjusted:
                continue
            factory = model.factory
            if model.searches_form and form is not None:
                factory = partial(ets_with_form, form, self.season_length)
            report = (ets_form_code if model.searches_form else _no_form) if reporting else None
            built.append(
                RollingOrigins(
                    factory, offsets, steps, alias=model.name, refit=model.refit, report=report
                )
            )
        return built


def _no_form(fitted: object) -> float:
    return float("nan")


def candidate_set(series_class: str, settings: EngineSettings) -> CandidateSet:
    """The candidate set of a demand class (``long``, ``short`` or ``intermittent``).

    Raises:
        ValueError: for a class that is not forecast by candidates (``new``, ``inactive``).
    """
    m = settings.season_length
    if series_class == LONG:
        models = [
            Model("Theta", partial(DynamicOptimizedTheta, season_length=1)),
            Model("CES", partial(AutoCES, season_length=1)),
            Model("ETS", partial(AutoETS, season_length=1, damped=True), searches_form=True),
            Model("SeasonalNaive", partial(SeasonalNaive, season_length=m), adjusted=False),
        ]
        combination = ("Theta", "CES", "ETS")
        if settings.selection == "standard":
            autoets = Model(
                "AutoETS",
                partial(AutoETS, season_length=m),
                adjusted=False,
                refit=same_ets_form,
                searches_form=True,
            )
            models.insert(3, autoets)
            combination = ("Theta", "CES", "ETS", "AutoETS")
        return CandidateSet(LONG, tuple(models), combination, season_length=m)
    if series_class == SHORT:
        return CandidateSet(
            SHORT,
            (
                Model("Theta", partial(DynamicOptimizedTheta, season_length=1)),
                Model("SES", SimpleExponentialSmoothingOptimized),
                Model("DampedTrend", partial(AutoETS, season_length=1, model="AAN", damped=True)),
                Model("Naive", Naive),
            ),
            ("Theta", "SES"),
        )
    if series_class == INTERMITTENT:
        models = [
            Model("ADIDA", ADIDA, adjusted=False),
            Model("CrostonSBA", CrostonSBA, adjusted=False),
            Model("IMAPA", IMAPA, adjusted=False),
            Model("TSB", partial(TSB, alpha_d=0.1, alpha_p=0.1), adjusted=False),
            Model(SEASONAL_ADIDA, partial(SeasonalADIDA, season_length=m), adjusted=False),
        ]
        reserved: tuple[str, ...] = ()
        if settings.dormant_demand == "zero":
            models.append(Model(DORMANT_ZERO, ZeroModel, adjusted=False))
            reserved = (DORMANT_ZERO,)
        return CandidateSet(
            INTERMITTENT,
            tuple(models),
            metric="mse",
            horizon_exponent=0.0,
            default="ADIDA",
            pooled=("IMAPA",),
            reserved=reserved,
        )
    raise ValueError(f"series class {series_class!r} has no candidate models")

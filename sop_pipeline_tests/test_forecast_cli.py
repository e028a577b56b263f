"""The ``sop-pipeline forecast`` command body: any monthly CSV in, the forecast CSV out."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.forecast import add_forecast_arguments, forecast_file
from sop_pipeline.forecast.cli import forecast_from_args
from sop_pipeline.forecast.synthetic import intermittent_series, seasonal_series


@pytest.fixture
def input_csv(tmp_path):
    history = pd.concat(
        [seasonal_series(3, 60, seed=1), intermittent_series(2, 50, seed=2)], ignore_index=True
    )
    history["ds"] = history["ds"].dt.strftime("%Y-%m-%d")
    history["extra"] = "ignored"
    path = tmp_path / "in.csv"
    history.to_csv(path, index=False)
    return path


def test_forecast_file_round_trip(input_csv, tmp_path):
    out = tmp_path / "out.csv"
    selection = forecast_file(input_csv, out, horizon=18, levels=[80, 95])
    fc = pd.read_csv(out)
    bounds = ["lo-80", "hi-80", "lo-95", "hi-95"]
    assert list(fc.columns) == ["unique_id", "ds", "yhat", *bounds, "model"]
    assert len(fc) == 5 * 18
    assert fc["ds"].str.fullmatch(r"\d{4}-\d{2}-01").all()
    values = fc[["lo-95", "lo-80", "yhat", "hi-80", "hi-95"]].to_numpy()
    assert (values >= 0).all() and (np.diff(values, axis=1) >= 0).all()
    assert set(selection["unique_id"]) == set(fc["unique_id"])


def test_the_subcommand_parses_and_runs(input_csv, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_forecast_arguments(parser)
    out = tmp_path / "out.csv"
    args = parser.parse_args(
        ["--input", str(input_csv), "--output", str(out), "--horizon", "6", "--level", "90",
         "--n-jobs", "1"]
    )  # fmt: skip
    assert forecast_from_args(args) == 0
    assert "forecast 5 series x 6 months" in capsys.readouterr().out
    assert list(pd.read_csv(out).columns[3:5]) == ["lo-90", "hi-90"]


def test_a_bad_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "qty": [1]}).to_csv(bad, index=False)
    parser = argparse.ArgumentParser()
    add_forecast_arguments(parser)
    args = parser.parse_args(["--input", str(bad), "--output", str(tmp_path / "o.csv")])
    assert forecast_from_args(args) == 2
    assert "lacks column(s) ['y']" in capsys.readouterr().err

"""Settings are checked for meaning when they are loaded, before any work, naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sop_pipeline.settings import load_settings

# (settings file text, the dotted key the error must name); each breaks one rule.
BAD_SETTINGS = {
    "lag zero or negative": ("forecast:\n  accuracy_lags: [0, -2]\n", "forecast.accuracy_lags"),
    "lag beyond the horizon": (
        "forecast:\n  horizon_months: 6\n  accuracy_lags: [1, 7]\n",
        "forecast.accuracy_lags",
    ),
    "lag listed twice": ("forecast:\n  accuracy_lags: [1, 1]\n", "forecast.accuracy_lags"),
    "no lag": ("forecast:\n  accuracy_lags: []\n", "forecast.accuracy_lags"),
    "n_jobs zero": ("forecast:\n  n_jobs: 0\n", "forecast.n_jobs"),
    "n_jobs below -1": ("forecast:\n  n_jobs: -2\n", "forecast.n_jobs"),
    "horizon zero": ("forecast:\n  horizon_months: 0\n", "forecast.horizon_months"),
    "service level 1.0 on the curve": (
        "inventory:\n  tradeoff_service_levels: [0.9, 1.0]\n",
        "inventory.tradeoff_service_levels",
    ),
    "service level in percent on the curve": (
        "inventory:\n  tradeoff_service_levels: [95]\n",
        "inventory.tradeoff_service_levels",
    ),
    "default service level 1": (
        "inventory:\n  default_service_level: 1\n",
        "inventory.default_service_level",
    ),
    "review period zero": (
        "inventory:\n  review_period_months: 0\n",
        "inventory.review_period_months",
    ),
    "fill rate target negative": ("kpi_targets:\n  fill_rate: -7\n", "kpi_targets.fill_rate"),
    "fill rate target above 1": ("kpi_targets:\n  fill_rate: 95\n", "kpi_targets.fill_rate"),
    "wape target negative": ("kpi_targets:\n  wape_lag1: -0.1\n", "kpi_targets.wape_lag1"),
    "wape lag 3 target negative": ("kpi_targets:\n  wape_lag3: -1\n", "kpi_targets.wape_lag3"),
    "bias target above 1": ("kpi_targets:\n  bias_lag1: 5\n", "kpi_targets.bias_lag1"),
    "months of supply zero": (
        "kpi_targets:\n  months_of_supply: 0\n",
        "kpi_targets.months_of_supply",
    ),
    "turns negative": ("kpi_targets:\n  inventory_turns: -5\n", "kpi_targets.inventory_turns"),
    "E&O target negative": (
        "kpi_targets:\n  excess_obsolete_value: -1\n",
        "kpi_targets.excess_obsolete_value",
    ),
    "watch band above 1": ("kpi_targets:\n  watch_band: 10\n", "kpi_targets.watch_band"),
    "cash target before baseline": (
        "kpi_targets:\n  cash_baseline_month: 2025-06\n  cash_target_month: 2025-01\n",
        "kpi_targets",
    ),
    "month not a month": (
        "kpi_targets:\n  cash_target_month: 2025-13\n",
        "kpi_targets.cash_target_month",
    ),
    "top issues beyond the agenda": ("meeting:\n  top_issues: 50\n", "meeting.top_issues"),
    "currency not a code": ("currency: dollars\n", "currency"),
    "months back negative": ("planning_months_back: -1\n", "planning_months_back"),
    "unknown key": ("forecast:\n  horizon: 12\n", "forecast.horizon"),
    "yes for a number": ("forecast:\n  horizon_months: yes\n", "forecast.horizon_months"),
    "true for a number": ("planning_months_back: true\n", "planning_months_back"),
    "an infinite lead time": (
        "decisions:\n  expedite_lead_time_days: .inf\n",
        "decisions.expedite_lead_time_days",
    ),
    "a target that is not a number": ("kpi_targets:\n  fill_rate: .nan\n", "kpi_targets.fill_rate"),
    "a storage format DuckDB does not know": (
        "publish:\n  storage_version: v9.9.9\n",
        "publish.storage_version",
    ),
}


@pytest.mark.parametrize("text, key", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_setting_is_refused_naming_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(text)
    with pytest.raises(ValueError) as caught:
        load_settings(settings_file)
    message = str(caught.value)
    assert str(settings_file) in message
    assert f"  {key}" in message


def test_good_settings_load(tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(
        "forecast:\n  horizon_months: 18\n  accuracy_lags: [1, 3, 18]\n  n_jobs: 2\n"
        "inventory:\n  tradeoff_service_levels: [0.5, 0.999]\n"
        "kpi_targets:\n  fill_rate: 1\n  wape_lag1: 0\n"
    )
    settings = load_settings(settings_file)
    assert settings.forecast.accuracy_lags == (1, 3, 18)
    assert settings.forecast.n_jobs == 2
    assert settings.inventory.tradeoff_service_levels == (0.5, 0.999)


def test_each_invalid_key_is_its_own_line(tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text("forecast:\n  n_jobs: 0\nkpi_targets:\n  fill_rate: -7\n")
    with pytest.raises(ValueError) as caught:
        load_settings(settings_file)
    lines = str(caught.value).splitlines()
    assert any(line.startswith("  forecast.n_jobs: ") and "(given: 0)" in line for line in lines)
    assert any(line.startswith("  kpi_targets.fill_rate: ") for line in lines)


def test_a_setting_given_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    """Plain YAML keeps the second block silently: the first block's targets would vanish."""
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(
        "kpi_targets:\n  fill_rate: 0.97\ncurrency: EUR\nkpi_targets:\n  wape_lag1: 0.3\n"
    )
    with pytest.raises(ValueError) as caught:
        load_settings(settings_file)
    message = str(caught.value)
    assert str(settings_file) in message
    assert "setting 'kpi_targets' is given twice (lines 1 and 4)" in message


def test_off_and_on_are_words_not_booleans(tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text("balance:\n  cash_path: off\n")
    assert load_settings(settings_file).balance.cash_path == "off"


@pytest.mark.parametrize("name", ["settings.yml", "Settings.yaml"])
def test_a_misnamed_settings_file_beside_the_data_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("forecast:\n  horizon_months: 18\n")
    with pytest.raises(ValueError) as caught:
        load_settings(tmp_path / "settings.yaml")
    assert f"settings file {tmp_path / name} is not read" in str(caught.value)
    assert "reads settings.yaml" in str(caught.value)

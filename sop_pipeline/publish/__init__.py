"""Publish: hand each plan month's warehouse to BI tools and people without ever showing half
a month (the serving DuckDB file, Parquet exports, the meeting's Excel workbook).

The key and group of the publish asset live here, importable without the asset's code: the
plan's last asset is what ``sop-pipeline run``, ``sop-pipeline status`` and the "month closed"
sensor ask the Dagster instance about.
"""

import dagster as dg

PUBLISH_KEY = dg.AssetKey(["publish", "serving_warehouse"])
PUBLISH_GROUP = "publish"

"""Decisions: what the meeting decides is recorded (:mod:`.records`, ``sop-pipeline decide``),
applied to the next month's plan (:mod:`.apply`) and scored against plan to base replayed on
what happened (:mod:`.outcomes`); :mod:`.assets` wraps them for Dagster."""

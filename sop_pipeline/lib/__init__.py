"""Shared helpers that are not Dagster definitions."""

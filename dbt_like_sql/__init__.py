"""The SQL models of the warehouse, one table a file (see ``sop_pipeline/lib/sql_models.py``).

This folder stays at the top of the repository and ships inside the package as
``sop_pipeline.dbt_like_sql`` (``package-dir`` in ``pyproject.toml``); the pipeline finds it
through ``importlib.resources``, in a checkout and in an installed wheel alike.
"""

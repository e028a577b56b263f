"""KPIs, cash and financial reconciliation: the invariants the SQL marts of this stage must hold
(:mod:`.invariants`) and the Dagster checks that test them on every run (:mod:`.checks`)."""

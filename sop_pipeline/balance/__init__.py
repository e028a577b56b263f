"""The constrained plan: what the company *can do* this month, as one linear programme.

Supply planning (:mod:`sop_pipeline.supply`) says what the company would need; this stage plans
demand, materials, capacity and cash together with HiGHS and prices every constraint that binds.
The pieces, each a plain function over plain arrays (only :mod:`.assets` and :mod:`.checks`
import Dagster):

- :mod:`.inputs` turns the planning inputs into a :class:`~.problem.PlanProblem` per scenario;
- :mod:`.model` builds the sparse LP, :mod:`.solver` solves it (per independent sub-network);
- :mod:`.solution` reads the plan back, lot-sized; :mod:`.prices` turns duals into
  ``constraint_prices``;
- :mod:`.cash` projects cash and runway from the plan's own flows; :mod:`.feasibility` says
  whether revenue, cash and working-capital targets can be met;
- :mod:`.options` prices the decisions for each binding constraint as re-solves of the model;
- :mod:`.plan` runs all of it for one plan month (:func:`~.plan.plan_balance`).
"""

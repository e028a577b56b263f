"""Solve an :class:`~sop_pipeline.balance.model.LpModel` with HiGHS (``highspy``).

The model splits into independent blocks - items linked by no BOM edge, shared resource or
cash path share no constraint - found as the connected components of the constraint matrix's
row-column graph; each block is solved on its own (:func:`solve`). A restricted model
(:func:`restrict`) fixes every variable outside a set at given values and moves their share of
each constraint into its bounds: the options are priced as such small re-solves around an
issue, the rest of the plan held as it is.

Solver choice (``balance.solver``): ``simplex`` (HiGHS' dual simplex: an exact vertex, exact
duals, a basis other scenarios start from) or ``ipm`` (interior point without crossover: duals
still available). ``auto`` is simplex: on these plans - many bounds, a time structure, sparse
coupling - the dual simplex solved 10,000 items in about 40 s where interior point had not
converged after 10 minutes (bench/RESULTS.md).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from sop_pipeline.balance.model import LpModel

SolverChoice = Literal["auto", "simplex", "ipm"]
BATCH_COLUMNS = 20_000
"""Small independent blocks are solved together up to this many columns (one HiGHS call each
batch instead of one per block: the same optimum, less overhead)."""


DUAL_EDGE_WEIGHTS = 1
"""HiGHS' dual simplex pricing: Devex (1) rather than its default steepest edge. The same
iterations at a fraction of the cost on these plans: the 10,000-item plan month solved in 32 s
against 73 s, the month before in 29 s against 69 s (same optimum; bench/RESULTS.md)."""


class SolveError(RuntimeError):
    """HiGHS did not find an optimal plan."""


@dataclass(frozen=True)
class Solution:
    """Primal values, row duals (HiGHS' sign: minimisation) and the objective (the model's
    constant included), with what the solve cost. ``batches`` are the ``(columns, rows)``
    solved together and ``bases`` their final simplex bases (None after interior point): a
    model of the same layout - another scenario's demand - starts from them."""

    x: np.ndarray
    row_dual: np.ndarray
    objective: float
    blocks: int
    seconds: float
    iterations: int
    batches: tuple = ()
    bases: tuple = ()


def _highs(model: LpModel, cols: np.ndarray | None = None) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    matrix = model.matrix
    lp.num_col_ = matrix.shape[1]
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = model.cost
    lp.col_lower_ = model.lower
    lp.col_upper_ = model.upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    return lp


_BANNER_SHOWN = False
_BANNER_LOCK = threading.Lock()


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance. HiGHS prints its banner to standard output the first time a
    process creates one, whatever its options; that line would land in the middle of the
    command's summary, so standard output is closed while the first one is made (under a lock:
    options are priced in threads)."""
    global _BANNER_SHOWN
    with _BANNER_LOCK:
        if _BANNER_SHOWN:
            h = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


def configured_highs(method: SolverChoice, time_limit: float) -> highspy.Highs:
    """A silent HiGHS instance set up as every plan is solved: fixed seed, time limit, and the
    method (dual simplex with :data:`DUAL_EDGE_WEIGHTS`, or interior point without
    crossover)."""
    h = new_highs()
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("time_limit", float(time_limit))
    if method == "ipm":
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    else:
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_dual_edge_weight_strategy", DUAL_EDGE_WEIGHTS)
    return h


def _run(
    model: LpModel, method: SolverChoice, time_limit: float, start=None
) -> tuple[Solution, object]:
    """Solve one model; the solution and its final basis (None after interior point)."""
    if model.n_cols == 0:
        return Solution(np.zeros(0), np.zeros(model.n_rows), 0.0, 0, 0.0, 0), None
    h = configured_highs(method, time_limit)
    use_ipm = method == "ipm"
    h.passModel(_highs(model))
    if start is not None and not use_ipm:
        # a basis of the same layout (another scenario's optimum) stays dual feasible when only
        # bounds change: dual simplex starts from it instead of from scratch
        h.setBasis(start)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        hint = ""
        if status == highspy.HighsModelStatus.kTimeLimit:
            hint = (
                f" after {time_limit:g} s: raise balance.time_limit_seconds, or try "
                "balance.solver 'ipm' for a plan this size"
            )
        raise SolveError(
            f"HiGHS found no optimal constrained plan ({model.n_cols:,} variables, "
            f"{model.n_rows:,} constraints): {h.modelStatusToString(status)}{hint}"
        )
    solution = h.getSolution()
    info = h.getInfo()
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    basis = h.getBasis() if not use_ipm else None
    return (
        Solution(
            np.asarray(solution.col_value, dtype=float),
            np.asarray(solution.row_dual, dtype=float),
            float(h.getObjectiveValue()),
            1,
            0.0,
            iterations,
        ),
        basis if basis is not None and basis.valid else None,
    )


def blocks(model: LpModel) -> list[tuple[np.ndarray, np.ndarray]]:
    """The independent blocks: ``(columns, rows)`` of each connected component of the
    row-column graph, in order of their first column (a column in no row is a block alone)."""
    n_rows, n_cols = model.matrix.shape
    incidence = sp.csr_matrix(model.matrix != 0, dtype=np.int8)
    graph = sp.bmat([[None, incidence], [incidence.T, None]], format="csr")
    _, labels = connected_components(graph, directed=False)
    row_label, col_label = labels[:n_rows], labels[n_rows:]
    order = np.unique(col_label, return_index=True)
    found = []
    for label in order[0][np.argsort(order[1])]:
        found.append((np.flatnonzero(col_label == label), np.flatnonzero(row_label == label)))
    return found


def restrict(
    model: LpModel, cols: np.ndarray, rows: np.ndarray, fixed: np.ndarray | None = None
) -> LpModel:
    """The model over ``cols`` and ``rows`` only; the other columns are fixed at ``fixed``
    (their share of each kept row moves into its bounds). Block indexes are not kept."""
    matrix = model.matrix
    sub = matrix[rows][:, cols].tocsc()
    lower, upper = model.row_lower[rows].copy(), model.row_upper[rows].copy()
    if fixed is not None:
        others = np.setdiff1d(np.arange(model.n_cols), cols, assume_unique=True)
        if len(others):
            share = matrix[rows][:, others] @ fixed[others]
            lower = lower - share
            upper = upper - share
    return LpModel(
        cost=model.cost[cols],
        lower=model.lower[cols],
        upper=model.upper[cols],
        matrix=sub,
        row_lower=lower,
        row_upper=upper,
        columns={},
        rows={},
    )


def solve(
    model: LpModel,
    method: SolverChoice = "auto",
    time_limit: float = 600.0,
    split: bool = True,
    like: Solution | None = None,
) -> Solution:
    """Solve ``model``, block by block when ``split`` (module docstring).

    ``like``: the solution of a model of the same layout (the base scenario's, for the
    upside): its blocks are reused and each starts from its final basis.

    Raises:
        SolveError: when a block is not solved to optimality (infeasible, unbounded, or the
            time limit reached).
    """
    started = time.perf_counter()
    if like is not None and like.batches:
        parts, count = list(like.batches), like.blocks
        starts = list(like.bases) if like.bases else [None] * len(parts)
    else:
        found = blocks(model) if split else [(np.arange(model.n_cols), np.arange(model.n_rows))]
        parts, count, starts = _batches(found), len(found), [None] * len(_batches(found))
    x = np.zeros(model.n_cols)
    row_dual = np.zeros(model.n_rows)
    objective, iterations, bases = 0.0, 0, []
    for (cols, rows), start in zip(parts, starts, strict=True):
        # one block holding everything in order: solved as it is, without a copy of the matrix
        whole = np.array_equal(cols, np.arange(model.n_cols)) and np.array_equal(
            rows, np.arange(model.n_rows)
        )
        block = model if whole else restrict(model, cols, rows)
        part, basis = _run(block, method, time_limit, start)
        x[cols] = part.x
        row_dual[rows] = part.row_dual
        objective += part.objective
        iterations += part.iterations
        bases.append(basis)
    return Solution(
        x,
        row_dual,
        objective + model.constant,
        count,
        time.perf_counter() - started,
        iterations,
        tuple(parts),
        tuple(bases) if all(b is not None for b in bases) else (),
    )


def _batches(found: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Consecutive blocks joined until each batch has :data:`BATCH_COLUMNS` columns."""
    batches, cols, rows, size = [], [], [], 0
    for block_cols, block_rows in found:
        cols.append(block_cols)
        rows.append(block_rows)
        size += len(block_cols)
        if size >= BATCH_COLUMNS:
            batches.append((np.concatenate(cols), np.concatenate(rows)))
            cols, rows, size = [], [], 0
    if cols:
        batches.append((np.concatenate(cols), np.concatenate(rows)))
    return batches


HELD_WARM_SHARE = 0.25
"""A re-solve over at least this share of the columns keeps the whole model, the other columns
fixed at the base plan, and starts from the base plan's basis: on the generated 1,000-item
company a resource on every routing re-solves in 2.7 s against 29.5 s as a cold restricted model.
Smaller re-solves are cheaper cold, on the restricted model alone."""


def solve_restricted(
    model: LpModel,
    cols: np.ndarray,
    base: np.ndarray,
    method: SolverChoice = "simplex",
    time_limit: float = 600.0,
    like: Solution | None = None,
) -> np.ndarray:
    """Re-solve ``model`` over ``cols`` with every other column held at ``base``; the full
    solution vector. With ``like`` (the base plan's solution) and ``cols`` at least
    :data:`HELD_WARM_SHARE` of the columns, the whole model is solved from its basis with the
    other columns fixed (the same optimum, fewer iterations).

    Raises:
        SolveError: as :func:`solve`.
    """
    cols = np.unique(cols)
    if like is not None and len(cols) >= HELD_WARM_SHARE * model.n_cols:
        held = np.ones(model.n_cols, bool)
        held[cols] = False
        value = np.clip(base, model.lower, model.upper)
        lower, upper = model.lower.copy(), model.upper.copy()
        lower[held], upper[held] = value[held], value[held]
        return solve(replace(model, lower=lower, upper=upper), method, time_limit, like=like).x
    touched = np.unique(model.matrix[:, cols].tocoo().row)
    part, _ = _run(restrict(model, cols, touched, base), method, time_limit)
    x = base.copy()
    x[cols] = part.x
    return x

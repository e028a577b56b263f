"""Cycles of a directed graph given as edges: what the BOM check and BOM planning both need.

Pure Python on strings; no pandas, so validation and supply planning share it without importing
each other.
"""

from __future__ import annotations

from collections.abc import Iterable


def find_cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The cycles of the graph with edges ``(from, to)``.

    Uses Tarjan's strongly-connected-components algorithm (iterative) and returns one cycle per
    strongly connected component of two or more nodes, plus every self-loop, each as a closed
    path from its alphabetically first node, e.g. ``["A", "B", "C", "A"]`` for A → B → C → A;
    within a component the path is the shortest one through that node.

    Returns:
        The cycles, sorted; an empty list for an acyclic graph.

    References:
        Tarjan, R. (1972), "Depth-first search and linear graph algorithms", SIAM J. Comput. 1(2).
    """
    succ: dict[str, list[str]] = {}
    loops: set[str] = set()
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
        if a == b:
            loops.add(a)
    cycles = [[node, node] for node in sorted(loops)]
    for scc in _strongly_connected(succ):
        if len(scc) > 1:
            cycles.append(_cycle_through(min(scc), succ, set(scc)))
    return sorted(cycles)


def _strongly_connected(succ: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in succ:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = succ[node]
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                scc = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    scc.append(w)
                    if w == node:
                        break
                out.append(scc)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def _cycle_through(start: str, succ: dict[str, list[str]], members: set[str]) -> list[str]:
    """Shortest closed path from ``start`` back to itself inside one strongly connected set."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in sorted(succ[node]):
                if child not in members:
                    continue
                if child == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return [*reversed(chain), start]
                if child not in previous:
                    previous[child] = node
                    nxt.append(child)
        frontier = nxt
    return [start, start]

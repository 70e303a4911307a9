"""Per-hub sorted lists of usable sites and weighted costs (a CSR-like structure).

The exact solver never needs a dense hubs x sites matrix: everything it does (cut
separation, evaluation of a selection, the greedy and interchange heuristics) walks
each hub's usable sites from the cheapest to the dearest. :class:`HubCosts` stores
exactly that, in three flat arrays:

- ``indptr`` (n_hubs + 1): hub ``j``'s entries are ``indptr[j]:indptr[j + 1]``;
- ``site`` (nnz, int32): the usable sites of each hub, cheapest first, ties by index;
- ``cost`` (nnz, float64): the weighted cost ``w_j * c_ji`` of each entry, in
  objective units (e.g. EUR/yr), non-decreasing within each hub.

A pair that is absent is unusable (infinite cost, e.g. beyond a coverage limit).
Builders: :func:`from_dense` (a dense matrix, processed in row blocks so the peak is
one block of sort keys on top of the result) and :func:`from_triplets`
(``(hub, site, cost)`` lists, e.g. the k nearest sites of each hub).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["HubCosts", "from_dense", "from_triplets"]

#: Entries sorted per block in :func:`from_dense` (bounds its transient memory).
_BLOCK = 4_000_000


@dataclass(frozen=True)
class HubCosts:
    """Usable sites and weighted costs of every hub, sorted by cost.

    Attributes
    ----------
    indptr
        int64 array (n_hubs + 1,): start of each hub's entries, then the total.
    site
        int32 array (nnz,): site index (0..n_sites-1) of each entry.
    cost
        float64 array (nnz,): weighted cost of each entry, objective units,
        finite and non-decreasing within a hub (ties ordered by site index).
    n_sites
        Number of candidate sites (columns of the implied matrix).
    """

    indptr: np.ndarray
    site: np.ndarray
    cost: np.ndarray
    n_sites: int

    @property
    def n_hubs(self) -> int:
        """Number of hubs."""
        return self.indptr.size - 1

    @property
    def nnz(self) -> int:
        """Number of usable hub-site pairs."""
        return int(self.indptr[-1])

    def hub_of_entry(self) -> np.ndarray:
        """Hub index of every entry, int32 array (nnz,)."""
        return np.repeat(np.arange(self.n_hubs, dtype=np.int32), np.diff(self.indptr))

    def restrict(self, keep: np.ndarray) -> HubCosts:
        """The same lists without the sites where ``keep`` (bool, n_sites) is False.

        Site indices are kept (not renumbered); order within each hub is preserved.
        """
        mask = keep[self.site]
        if mask.all():
            return self
        counts = np.bincount(self.hub_of_entry()[mask], minlength=self.n_hubs)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return HubCosts(indptr, self.site[mask], self.cost[mask], self.n_sites)

    def first_open(self, is_open: np.ndarray) -> np.ndarray:
        """Entry index of each hub's cheapest open site, -1 where it has none.

        Parameters
        ----------
        is_open
            bool array (n_sites,) of the open sites.
        """
        return self.open_entries(is_open, 1)[0]

    def open_entries(self, is_open: np.ndarray, k: int) -> list[np.ndarray]:
        """Entry indices of each hub's ``k`` cheapest open sites (-1 if missing).

        Looks in windows of growing length at the head of each list (the open
        sites are usually near the head), then scans what is left.
        """
        n = self.n_hubs
        out = [np.full(n, -1, dtype=np.int64) for _ in range(k)]
        start, end = self.indptr[:-1], self.indptr[1:]
        todo = np.flatnonzero(end > start)
        width = 8
        while todo.size and width <= 512:
            s0 = start[todo]
            cols = s0[:, None] + np.arange(width)[None, :]
            inside = cols < end[todo][:, None]
            hit = inside & is_open[self.site[np.minimum(cols, self.nnz - 1)]]
            csum = np.cumsum(hit, axis=1)
            done = (csum[:, -1] >= k) | ~inside[:, -1]
            for r in range(k):
                pos = np.argmax(csum >= r + 1, axis=1)
                ok = done & (csum[:, -1] >= r + 1)
                out[r][todo[ok]] = s0[ok] + pos[ok]
            todo = todo[~done]
            width *= 4
        if todo.size:
            mask = np.zeros(n, dtype=bool)
            mask[todo] = True
            hits = np.flatnonzero(is_open[self.site] & mask[self.hub_of_entry()])
            owner = np.searchsorted(self.indptr, hits, side="right") - 1
            rank = np.arange(hits.size) - np.searchsorted(owner, owner, side="left")
            for r in range(k):
                sel = rank == r
                out[r][owner[sel]] = hits[sel]
        return out

    def served_cost(self, is_open: np.ndarray) -> np.ndarray:
        """Each hub's cost at its cheapest open site (inf if none), objective units."""
        first = self.first_open(is_open)
        out = np.full(self.n_hubs, np.inf)
        ok = first >= 0
        out[ok] = self.cost[first[ok]]
        return out


def from_dense(
    cost: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    max_cost: float | None = None,
    keep: np.ndarray | None = None,
) -> HubCosts:
    """Build :class:`HubCosts` from a dense hubs x sites matrix.

    Parameters
    ----------
    cost
        Array (n_hubs, n_sites) of costs in cost units (e.g. ms); ``+inf`` marks an
        unusable pair. Not modified.
    weights
        Array (n_hubs,) of hub weights (objective units per cost unit); the entries
        are ``weights[j] * cost[j, i]``. None for unit weights.
    max_cost
        Coverage limit in cost units: pairs with ``cost > max_cost`` are dropped.
    keep
        Optional bool array (n_hubs, n_sites) of the pairs to keep (others are
        unusable), or None.

    Returns
    -------
    HubCosts
        Sites ordered by weighted cost within each hub (stable: ties by index).
    """
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    rows = max(1, _BLOCK // max(m, 1))
    sites, costs, counts = [], [], []
    for lo in range(0, n, rows):
        block = cost[lo : lo + rows]
        ok = np.isfinite(block)
        if max_cost is not None:
            ok &= block <= max_cost
        if keep is not None:
            ok &= keep[lo : lo + rows]
        weighted = np.where(ok, block * w[lo : lo + rows, None], np.inf)
        order = np.argsort(weighted, axis=1, kind="stable")
        good = np.take_along_axis(ok, order, axis=1)
        counts.append(good.sum(axis=1))
        sites.append(order[good].astype(np.int32))
        costs.append(np.take_along_axis(weighted, order, axis=1)[good])
        del weighted, order, good, ok
    count = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
    return HubCosts(
        indptr,
        np.concatenate(sites) if sites else np.zeros(0, np.int32),
        np.concatenate(costs) if costs else np.zeros(0),
        m,
    )


def from_triplets(
    hub: np.ndarray, site: np.ndarray, cost: np.ndarray, n_hubs: int, n_sites: int
) -> HubCosts:
    """Build :class:`HubCosts` from ``(hub, site, weighted cost)`` triplets.

    Parameters
    ----------
    hub, site
        Integer arrays (k,): hub index (0..n_hubs-1) and site index (0..n_sites-1).
    cost
        Float array (k,): weighted cost of the pair in objective units. Non-finite
        entries are dropped; a repeated pair keeps its lowest cost.
    n_hubs, n_sites
        Dimensions of the implied matrix (hubs without triplets have no usable site).

    Returns
    -------
    HubCosts
        Sites ordered by cost within each hub (ties by site index).
    """
    hub = np.asarray(hub, dtype=np.int64)
    site = np.asarray(site, dtype=np.int64)
    cost = np.asarray(cost, dtype=float)
    ok = np.isfinite(cost)
    hub, site, cost = hub[ok], site[ok], cost[ok]
    if hub.size and (hub.min() < 0 or hub.max() >= n_hubs):
        raise ValueError("hub index out of range")
    if site.size and (site.min() < 0 or site.max() >= n_sites):
        raise ValueError("site index out of range")
    order = np.lexsort((cost, site, hub))
    hub, site, cost = hub[order], site[order], cost[order]
    first = np.ones(hub.size, dtype=bool)
    first[1:] = (hub[1:] != hub[:-1]) | (site[1:] != site[:-1])
    hub, site, cost = hub[first], site[first], cost[first]
    order = np.lexsort((site, cost, hub))
    counts = np.bincount(hub, minlength=n_hubs)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return HubCosts(indptr, site[order].astype(np.int32), cost[order], n_sites)


def prefix_end(
    costs: HubCosts, limit: np.ndarray, *, strict: bool = True
) -> np.ndarray:
    """Per hub, the end of the entries cheaper than ``limit`` (``<=`` if not strict).

    A vectorised binary search over every hub at once (log2 of the longest list
    steps), so the cost is O(n_hubs log L) rather than O(nnz).

    Parameters
    ----------
    limit
        float array (n_hubs,): threshold per hub, objective units.

    Returns
    -------
    numpy.ndarray
        int64 array (n_hubs,): entry index in ``indptr[j]..indptr[j + 1]``.
    """
    lo = costs.indptr[:-1].copy()
    hi = costs.indptr[1:].copy()
    c = costs.cost
    while True:
        active = lo < hi
        if not active.any():
            return lo
        idx = np.flatnonzero(active)
        mid = (lo[idx] + hi[idx]) // 2
        val = c[mid]
        below = val < limit[idx] if strict else val <= limit[idx]
        lo[idx[below]] = mid[below] + 1
        hi[idx[~below]] = mid[~below]


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(starts[k], ends[k])`` over k, int64."""
    lengths = np.maximum(ends - starts, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64)

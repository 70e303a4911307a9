"""Fit the free parameters of the RTT model to measured median round-trip times.

The measurement table (``data/latency_measurements.csv``, docs/data.md) holds pairs
from several independent sources (``source_group``). Only medians calibrate
(``statistic`` ``median`` or ``p50``): the model predicts the median RTT. Every source
counts equally, whatever its number of pairs, so that one large mesh does not decide the
fit alone.

:func:`calibrate` searches ``route_factor``, ``hop_delay_ms`` and
``access_route_factor`` on a grid. The sources measure between different kinds of end
points (cloud virtual machines, hosting servers), and on the city pairs two sources
share their RTTs differ by a near-constant amount (docs/network.md), so each source gets
its own end delay during the search; an end delay adds a constant to every RTT of its
source, so its best value is found exactly (a weighted median) at each grid point. The
error measure is the mean absolute percentage error of each source, averaged over the
sources. The fitted ``access_delay_ms`` is the mean of the sources' end delays.
Leave-one-source-out validation is in :mod:`siting.network.validation`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.network.backbone import backbone_graph
from siting.network.pairs import AttachedPairs
from siting.sections import Network

#: The parameters :func:`calibrate` fits (``fibre_us_per_km`` is a physical constant).
FITTED = ("route_factor", "hop_delay_ms", "access_route_factor", "access_delay_ms")

#: Values of ``statistic`` that are a median of the RTT (Azure labels it ``p50``).
MEDIAN_STATISTICS = ("median", "p50")


def median_pairs(measurements: pd.DataFrame) -> pd.DataFrame:
    """The rows of a measurement table whose ``statistic`` is a median.

    Raises
    ------
    InputError
        If the table lacks a needed column or has no median rows.
    """
    needed = ("statistic", "source_group", "rtt_ms")
    missing = [c for c in needed if c not in measurements.columns]
    if missing:
        raise InputError(
            f"latency measurements: missing column(s) {', '.join(missing)} "
            "(see docs/data.md)"
        )
    rows = measurements[measurements["statistic"].isin(MEDIAN_STATISTICS)]
    if rows.empty:
        raise InputError(
            "latency measurements: no row has statistic 'median' or 'p50'; the model "
            "is calibrated on medians"
        )
    return rows


def calibrate(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    measurements: pd.DataFrame,
    *,
    params: Network,
    route_factors: Iterable[float] = np.arange(1.0, 2.5001, 0.05),
    hop_delays_ms: Iterable[float] = np.arange(0.0, 3.0001, 0.1),
    access_route_factors: Iterable[float] = np.arange(1.0, 3.0001, 0.25),
) -> Network:
    """Fit ``route_factor``, ``hop_delay_ms``, ``access_route_factor`` and
    ``access_delay_ms`` to the median rows of ``measurements``.

    Each source group gets its own end delay while the path parameters are searched
    (its measurement set-up adds its own fixed delay at each end); the fitted
    ``access_delay_ms`` is the mean of the groups' end delays.

    Parameters
    ----------
    nodes, links
        The backbone tables (:func:`siting.network.backbone_graph`).
    measurements
        Rows of the measurement table with ``source_group``; rows that are not
        medians are ignored.
    params
        Starting parameters; ``fibre_us_per_km`` (a physical constant) is kept.
    route_factors, hop_delays_ms, access_route_factors
        The grid searched (``hop_delays_ms`` in ms).

    Returns
    -------
    Network
        ``params`` with the four values of :data:`FITTED`, rounded to 2 decimals.
    """
    fit = fit_end_delays(
        nodes,
        links,
        measurements,
        params=params,
        route_factors=route_factors,
        hop_delays_ms=hop_delays_ms,
        access_route_factors=access_route_factors,
    )
    delay = float(np.mean(list(fit.end_delays_ms.values())))
    fitted = fit.params.model_copy(update={"access_delay_ms": delay})
    return fitted.model_copy(
        update={name: round(getattr(fitted, name), 2) for name in FITTED}
    )


@dataclass(frozen=True)
class EndDelayFit:
    """The best grid point of :func:`fit_end_delays`.

    Attributes
    ----------
    params
        Fitted ``route_factor``, ``hop_delay_ms``, ``access_route_factor``
        (``access_delay_ms`` as given).
    end_delays_ms
        Best end delay of each source group at that point, ms (at least 0).
    loss
        Mean over source groups of each group's mean absolute relative error.
    """

    params: Network
    end_delays_ms: dict[str, float]
    loss: float


def fit_end_delays(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    measurements: pd.DataFrame,
    *,
    params: Network,
    route_factors: Iterable[float],
    hop_delays_ms: Iterable[float],
    access_route_factors: Iterable[float],
) -> EndDelayFit:
    """Grid search of the path parameters with one end delay per source group.

    For each grid point a group's end delay ``d`` minimises the group's mean absolute
    relative error ``|base + 2 d - measured| / measured``: a weighted median, found
    exactly. Every group counts equally in the loss, whatever its size.
    """
    rows = median_pairs(measurements)
    measured = rows["rtt_ms"].to_numpy(dtype="float64")
    groups = rows["source_group"].to_numpy()
    names = sorted(set(groups))
    masks = [groups == name for name in names]
    factors = np.asarray(list(access_route_factors), dtype="float64")
    hops = [float(h) for h in hop_delays_ms]
    scale = 2 * params.fibre_us_per_km / 1000
    best = EndDelayFit(params, {}, np.inf)
    for route_factor in route_factors:
        trial = params.model_copy(update={"route_factor": float(route_factor)})
        attached = AttachedPairs(backbone_graph(nodes, links, params=trial), rows)
        for hop in hops:
            trial = trial.model_copy(update={"hop_delay_ms": hop})
            # modelled RTT without end delays, one row per access route factor
            base = (
                attached.backbone_ms(trial)
                + scale * factors[:, None] * attached.access_km
            )
            delays = np.column_stack(
                [
                    _weighted_medians((measured[m] - base[:, m]) / 2, 1 / measured[m])
                    for m in masks
                ]
            ).clip(min=0.0)
            loss = np.mean(
                [
                    np.mean(
                        np.abs(base[:, m] + 2 * delays[:, [j]] - measured[m])
                        / measured[m],
                        axis=1,
                    )
                    for j, m in enumerate(masks)
                ],
                axis=0,
            )
            k = int(np.argmin(loss))
            if loss[k] < best.loss - 1e-12:
                best = EndDelayFit(
                    trial.model_copy(update={"access_route_factor": float(factors[k])}),
                    dict(zip(names, map(float, delays[k]), strict=True)),
                    float(loss[k]),
                )
    return best


def _weighted_medians(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """For each row of ``values``, the ``c`` that minimises
    ``sum(weights * |row - c|)`` (the weights are shared by the rows)."""
    order = np.argsort(values, axis=1)
    cumulative = np.cumsum(weights[order], axis=1)
    k = np.argmax(cumulative >= cumulative[:, -1:] / 2, axis=1)
    return np.take_along_axis(values, order, axis=1)[np.arange(len(values)), k]

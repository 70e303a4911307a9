"""Check the RTT model against measured round-trip times and fit its free parameters.

The measurement table (``data/latency_measurements.csv``) is split by ``pair_id``: odd
rows calibrate ``route_factor``, ``hop_delay_ms`` and ``access_delay_ms`` by grid
search, even rows are held out to report the error (docs/network.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.network.backbone import backbone_graph, pair_rtt
from siting.scenario import Network


def validation_table(
    graph: nx.Graph, measurements: pd.DataFrame, *, params: Network
) -> pd.DataFrame:
    """Model against measured RTTs for each pair of the measurement table.

    Parameters
    ----------
    measurements
        Rows of ``data/latency_measurements.csv`` (``pair_id``, the ends' names and
        ``lat``/``lon``, ``rtt_ms``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``pair_id``: ``from_name``, ``to_name``, ``measured_ms``,
        ``model_ms``, ``error_pct`` (signed, model over measured) and ``split``
        (``calibration`` for odd ``pair_id``, ``validation`` for even ones).
    """
    missing = {"pair_id", "from_name", "to_name", "rtt_ms"} - set(measurements.columns)
    if missing:
        raise InputError(
            f"measurements: missing column(s) {', '.join(sorted(missing))}"
        )
    model = pair_rtt(graph, measurements, params=params)
    measured = measurements["rtt_ms"].to_numpy(dtype="float64")
    pair_id = measurements["pair_id"].astype(int).to_numpy()
    return pd.DataFrame(
        {
            "from_name": measurements["from_name"].to_numpy(),
            "to_name": measurements["to_name"].to_numpy(),
            "measured_ms": measured,
            "model_ms": model,
            "error_pct": 100 * (model - measured) / measured,
            "split": np.where(pair_id % 2 == 1, "calibration", "validation"),
        },
        index=pd.Index(pair_id, name="pair_id"),
    )


def calibrate(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    measurements: pd.DataFrame,
    *,
    params: Network,
    route_factors: Iterable[float] = np.arange(1.0, 2.501, 0.05),
    hop_delays_ms: Iterable[float] = np.arange(0.0, 4.001, 0.25),
    access_delays_ms: Iterable[float] = np.arange(0.0, 10.001, 0.1),
) -> Network:
    """Fit ``route_factor``, ``hop_delay_ms`` and ``access_delay_ms`` by grid search.

    Minimises the mean absolute percentage error over the calibration rows (odd
    ``pair_id``) of ``measurements``; the other parameters are kept from ``params``.
    ``access_delay_ms`` adds a constant to every RTT, so it is searched on the modelled
    values of each (route factor, hop delay) without recomputing paths.

    Returns
    -------
    Network
        ``params`` with the three fitted values.
    """
    rows = measurements[measurements["pair_id"].astype(int) % 2 == 1]
    measured = rows["rtt_ms"].to_numpy(dtype="float64")
    offsets = np.asarray(list(access_delays_ms), dtype="float64")
    best = (np.inf, params)
    for factor in route_factors:
        graph = backbone_graph(
            nodes,
            links,
            params=params.model_copy(update={"route_factor": float(factor)}),
        )
        for hop in hop_delays_ms:
            trial = params.model_copy(
                update={
                    "route_factor": float(factor),
                    "hop_delay_ms": float(hop),
                    "access_delay_ms": 0.0,
                }
            )
            base = pair_rtt(graph, rows, params=trial)
            # each end adds access_delay_ms once: total offset is twice the value
            errors = np.abs(base[None, :] + 2 * offsets[:, None] - measured) / measured
            mape = errors.mean(axis=1)
            k = int(np.argmin(mape))
            if mape[k] < best[0]:
                best = (
                    mape[k],
                    trial.model_copy(update={"access_delay_ms": float(offsets[k])}),
                )
    return best[1]

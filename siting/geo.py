"""Great-circle distances on WGS84 lat/lon (haversine on a sphere of mean radius)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Mean Earth radius in km (IUGG mean radius R1 = 6,371.0088 km).
EARTH_RADIUS_KM = 6371.0088


def haversine_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in km between points given in decimal degrees.

    The inputs broadcast against each other, so ``haversine_km(a_lat[:, None],
    a_lon[:, None], b_lat[None, :], b_lon[None, :])`` gives the full matrix.
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix_km(
    lat_a: ArrayLike, lon_a: ArrayLike, lat_b: ArrayLike, lon_b: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distances (km) from every point of A (rows) to every point of B."""
    return haversine_km(
        np.asarray(lat_a, float)[:, None],
        np.asarray(lon_a, float)[:, None],
        np.asarray(lat_b, float)[None, :],
        np.asarray(lon_b, float)[None, :],
    )


def nearest(
    distance_km: NDArray[np.float64],
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """For each row of a distance matrix, the column of the nearest point and its km."""
    column = distance_km.argmin(axis=1)
    return column, distance_km[np.arange(len(column)), column]

"""The layers stage: each layer a pure function of the candidates, data and scenario
returning a DataFrame by ``site_id`` in real units.

``energy``, ``grid``, ``cooling`` and ``connectivity`` are the layers; ``facility``
holds the site-independent model of the gigafactory that they share; ``table`` joins
them into the per-site cost table (:func:`siting.layers.table.site_table`).
"""

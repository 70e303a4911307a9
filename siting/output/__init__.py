"""The output stage: files that read a finished :class:`~siting.result.Result`.

``result.json``, the GeoJSON layers, ``report.md``/``report.html`` and ``map.html``
(:func:`write_outputs`), plus the atomic file helpers of :mod:`siting.output.files`.
Nothing here imports the solver or an analysis.
"""

from siting.output.files import check_out_dir, write_text_atomic
from siting.output.write import write_outputs

__all__ = ["check_out_dir", "write_outputs", "write_text_atomic"]

"""The data stage: load, validate, check and refresh the tables of a dataset.

- :func:`load_dataset` reads every table of a folder (the packaged default from
  :func:`data_dir`) into a :class:`Dataset` of typed DataFrames;
- :func:`read_table` reads and checks one table against its schema;
- :func:`check_dataset` audits provenance, coordinates and coverage
  (``siting data check``);
- :mod:`siting.data.fetch` refreshes prices from Eurostat (the only network code);
- :mod:`siting.data.outlines` holds the country outlines and placement checks.
"""

from siting.data.check import CheckReport, check_dataset, summary_lines
from siting.data.dataset import Dataset, data_dir, files_sha256, load_dataset
from siting.data.tables import (
    CANDIDATE_KINDS,
    EUROSTAT_TO_ISO,
    MEASUREMENTS_FILE,
    MONTH_COLUMNS,
    SCHEMAS,
    TABLE_FILES,
    read_table,
)

__all__ = [
    "CANDIDATE_KINDS",
    "EUROSTAT_TO_ISO",
    "MEASUREMENTS_FILE",
    "MONTH_COLUMNS",
    "SCHEMAS",
    "TABLE_FILES",
    "CheckReport",
    "Dataset",
    "check_dataset",
    "data_dir",
    "files_sha256",
    "load_dataset",
    "read_table",
    "summary_lines",
]

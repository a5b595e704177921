"""The same canonical tree on Apache Spark, for archives that outgrow one machine.

Needs the `spark` extra (`pip install 'wsisdedup[spark]'`: pyspark and pyarrow) and a Java
runtime. `read(spark, inputs)` returns a DataFrame with one row per kept message, the records
`wsisdedup.read_many` gives for each list; `python -m wsisdedup.spark IN... -o OUT.parquet`
is the command-line form (docs/spark.md).

Modules, lowest layer first: `keys` (which inputs form one list), `tasks` (the local
pipeline's functions wrapped for pandas and Arrow batches: what Spark tasks run) -> `engine`
(the plan of Spark stages) -> `__main__` (the command line).
"""

from __future__ import annotations

from wsisdedup.spark.engine import SparkArchive, read, read_archive, records_type
from wsisdedup.spark.keys import default_list_key

__all__ = ["SparkArchive", "default_list_key", "read", "read_archive", "records_type"]

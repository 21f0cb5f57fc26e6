"""The newest submission per group (per site, per kegiatan…): one ranking query for every "latest per X"."""
from sqlalchemy import Select, func, select

from webapp.submissions.models import Submission


def latest_per(partition, query: Select, *columns) -> Select:
    """Among the submissions `query` selects (a scope, with its conditions), the newest per `partition`
    (latest recorded_at, then highest id), as rows of `columns` plus `group_key` (the partition's value)."""
    rank = func.row_number().over(partition_by=partition,
                                  order_by=(Submission.recorded_at.desc(), Submission.id.desc()))
    inner = query.with_only_columns(*columns, partition.label("group_key"), rank.label("rank")).subquery()
    return select(*(column for column in inner.c if column.name != "rank")).where(inner.c.rank == 1)

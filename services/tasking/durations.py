"""Durations in SQL that read the same on PostgreSQL and SQLite: the time between two
moments, the week a moment falls in, and the count, median and 90th percentile of a set of
durations. Dashboards get summaries from the database, never the rows behind them.

Percentiles interpolate linearly between ranks, like PostgreSQL's `percentile_cont`, which
SQLite lacks: each value is ranked in its group with window functions both share, and
the one or two values either side of the percentile's position are weighted and summed."""
import sqlalchemy as sa


def dialect_of(session):
    return session.get_bind().dialect.name


def hours_between(dialect, start, end):
    """Hours from `start` to `end` (timestamp columns), as a float."""
    if dialect == "postgresql":
        seconds = sa.extract("epoch", end) - sa.extract("epoch", start)
    else:  # SQLite keeps UTC timestamps as text, which julianday reads
        seconds = (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
    return sa.cast(seconds, sa.Float) / 3600.0


def week_of(dialect, moment):
    """The Monday (UTC) of the week `moment` falls in, as `YYYY-MM-DD` text."""
    if dialect == "postgresql":
        monday = sa.func.date_trunc("week", sa.func.timezone("UTC", moment))
        return sa.func.to_char(monday, "YYYY-MM-DD")
    # 'weekday 0' moves on to the Sunday ending the week (or stays on it): 6 days back.
    return sa.type_coerce(sa.func.date(moment, "weekday 0", "-6 days"), sa.String)


def summaries(session, durations, groups=()):
    """`count`, `median` and `p90` of the `value` column of `durations` (a subquery),
    per combination of the `groups` columns, or one row for all without groups."""
    keys = [durations.c[name] for name in groups]
    partition = keys or None
    ranked = sa.select(
        *keys, durations.c.value,
        sa.func.row_number().over(partition_by=partition,
                                  order_by=durations.c.value).label("rank"),
        sa.func.count().over(partition_by=partition).label("n"),
    ).subquery()
    group_keys = [ranked.c[name] for name in groups]
    query = sa.select(*group_keys, sa.func.count().label("count"),
                      _percentile(ranked, 0.5).label("median"),
                      _percentile(ranked, 0.9).label("p90")).group_by(*group_keys)
    return [row._asdict() for row in session.execute(query)]


def _percentile(ranked, fraction):
    # With n values ranked 1..n, the percentile sits at x = (n - 1) * fraction ranks past
    # the first: the value ranked floor(x) + 1 weighs (rank - x), the next one up the rest.
    # Comparisons instead of floor(): SQLite may lack it and PostgreSQL's cast rounds.
    x = (ranked.c.n - 1) * sa.cast(sa.literal(fraction), sa.Float)
    rank, value = ranked.c.rank, ranked.c.value
    return sa.func.sum(sa.case(
        (sa.and_(rank - 1 <= x, x < rank), value * (rank - x)),
        (sa.and_(rank - 2 <= x, x < rank - 1), value * (x - (rank - 2))),
        else_=sa.cast(sa.literal(0.0), sa.Float)))

"""Durations in SQL that read the same on PostgreSQL and SQLite: the time between two
moments, the week a moment falls in, and the count, median and 90th percentile of a set of
durations. Dashboards get summaries from the database, never the rows behind them.

Percentiles interpolate linearly between ranks: PostgreSQL's own `percentile_cont`, and on
SQLite, which lacks it, the same by hand: each value is ranked in its group with window
functions, and the one or two values either side of the percentile's position are
weighted and summed."""
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
    return summaries_by(session, durations, [groups])[0]


def summaries_by(session, durations, groupings, counted=None):
    """`summaries` for each of `groupings` (tuples of column names), in one statement
    that reads `durations` once (a CTE: PostgreSQL computes one referenced more than
    once a single time). A list of row lists, in the order of `groupings`; and with
    `counted` (a subquery, which may read the same CTEs as `durations`), one more:
    its count of rows, in the same statement."""
    source = sa.select(durations).cte("durations")
    names = sorted({name for groups in groupings for name in groups})
    summary = _summary_ordered if dialect_of(session) == "postgresql" else _summary
    parts = [summary(source, groups, names, index) for index, groups in enumerate(groupings)]
    if counted is not None:
        parts.append(sa.select(sa.literal(len(groupings)).label("grouping"),
                               *[sa.cast(sa.null(), sa.String).label(name) for name in names],
                               sa.func.count().label("count"),
                               sa.cast(sa.null(), sa.Float).label("median"),
                               sa.cast(sa.null(), sa.Float).label("p90"))
                     .select_from(counted))
        groupings = [*groupings, ()]
    query = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    found = [[] for _ in groupings]
    for row in session.execute(query):
        row = row._asdict()
        index = row.pop("grouping")
        found[index].append({key: value for key, value in row.items()
                             if key not in names or key in groupings[index]})
    return found


def _summary(durations, groups, names, index):
    keys = [durations.c[name] for name in groups]
    partition = keys or None
    ranked = sa.select(
        *keys, durations.c.value,
        sa.func.row_number().over(partition_by=partition,
                                  order_by=durations.c.value).label("rank"),
        sa.func.count().over(partition_by=partition).label("n"),
    ).subquery()
    group_keys = [ranked.c[name] for name in groups]
    # Every part has every grouping's columns, in one order, for the UNION ALL.
    columns = [ranked.c[name] if name in groups else sa.cast(sa.null(), sa.String).label(name)
               for name in names]
    return (sa.select(sa.literal(index).label("grouping"), *columns,
                      sa.func.count().label("count"),
                      _percentile(ranked, 0.5).label("median"),
                      _percentile(ranked, 0.9).label("p90")).group_by(*group_keys))


def _summary_ordered(durations, groups, names, index):
    # PostgreSQL's own percentile_cont: the same interpolation between ranks, one sort per
    # group and no window passes (several times faster over a borough's referrals).
    keys = [durations.c[name] for name in groups]
    columns = [durations.c[name] if name in groups
               else sa.cast(sa.null(), sa.String).label(name) for name in names]
    value = durations.c.value
    return (sa.select(sa.literal(index).label("grouping"), *columns,
                      sa.func.count().label("count"),
                      sa.func.percentile_cont(0.5).within_group(value).label("median"),
                      sa.func.percentile_cont(0.9).within_group(value).label("p90"))
            .group_by(*keys))


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

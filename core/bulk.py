"""Set-based writes: rows made by the database from a query, never pulled into Python."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model, QuerySet


def insert_select(model: type[Model], rows: QuerySet, columns: dict[str, str]) -> int:
    """`INSERT INTO model (…) SELECT …` from `rows`, one statement; rows that would break a
    unique constraint are skipped (ON CONFLICT DO NOTHING). Returns the number inserted.

    `columns` maps each field of `model` to the name `rows` (a values() queryset) selects
    for it, in the order selected."""
    compiler = rows.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    selected = [alias for _expr, _sql, alias in compiler.select]
    if selected != list(columns.values()):  # the SELECT must line up with the column list
        raise ValueError(f"insert_select: selected {selected}, expected {list(columns.values())}")
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    table = quote(model._meta.db_table)
    if connection.vendor == "sqlite":  # SQLite's upsert cannot follow a bare SELECT
        statement = f"INSERT OR IGNORE INTO {table} ({names}) {sql}"
    else:
        statement = f"INSERT INTO {table} ({names}) {sql} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)

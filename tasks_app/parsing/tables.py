"""The table readers, as the outline calls them: division tables and flattened task tables.

find_table(rows) -> (header row index, {column: index}) | None (division_table.py)
table_tasks(rows, columns, year) -> the outline's tasks (division_table.py)
cell_units(cell) -> the unit names in one cell (glued names split, see names.py)
flat_table_items(text, year) -> the tasks of a task table flattened into text, or None (flat.py)
table_preamble(text) -> the text before a flattened table's header row
"""

from __future__ import annotations

from tasks_app.parsing import flat
from tasks_app.parsing.division_table import (
    COLUMNS,
    PERSON_COLUMN,
    cell_unit_roles,
    cell_units,
    dedupe_units,
    find_table,
    header_map,
    table_tasks,
)
from tasks_app.parsing.flat_header import find_header

__all__ = [
    "COLUMNS",
    "PERSON_COLUMN",
    "cell_unit_roles",
    "cell_units",
    "dedupe_units",
    "find_table",
    "flat_table_items",
    "header_map",
    "table_preamble",
    "table_tasks",
]


def flat_table_items(text: str, year: int | None) -> list[dict] | None:
    """The tasks of a task table whose cells a web page ran together, or None if `text` holds none.

    `text` is one numbered part of a document, or a whole document (a covering notice before
    the table is skipped), after text.fold(). A task table has a header row naming a task
    column and a unit column; see flat.py for how rows and cells are told apart.
    """
    return flat.flat_table_items(text, year)


def table_preamble(text: str) -> str:
    """The text before a flattened task table's header row (the covering notice and title)."""
    header = find_header(text)
    return text[: header.start] if header else text

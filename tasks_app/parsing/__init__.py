"""Turn a work-point document into an outline (see docs: the outline JSON contract).

Pure functions, no database: bytes or text in, a dict out.

    parse_document(data, filename) -> dict   # .txt / .docx / .xlsx, by content and name
    parse_text(text) -> dict                 # plain or pasted text
"""

from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.outline import parse_document, parse_text

__all__ = ["ParseError", "parse_document", "parse_text"]

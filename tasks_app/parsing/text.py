"""Character folding shared by the parser."""

import re

# Full-width ASCII (！ to ～) to half-width, the ideographic space to a space. Unlike NFKC
# this keeps circled numbers (①) and the brackets 〔〕 that mark responsibility clauses.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_FOLD[0xA0] = 0x20
_FOLD[0xFEFF] = None  # a BOM inside the text
_FOLD[0x200B] = None  # zero-width space, common in pasted web text

_BLANKS = re.compile(r"[ \t\r\f\v]+")


def fold(text: str) -> str:
    return text.translate(_FOLD)


def clean_line(line: str) -> str:
    """Fold a line and drop the spaces that typesetting puts between Chinese characters."""
    return _BLANKS.sub(" ", fold(line)).strip()


def squeeze(text: str) -> str:
    """No white space at all: how names and titles are compared."""
    return re.sub(r"\s+", "", fold(text))

"""Character folding shared by the parser, and traditional characters read as simplified."""

import functools
import re
from pathlib import Path

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


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional to simplified, one character for one (OpenCC's character table)."""
    try:
        import opencc
    except ImportError:  # the parser still works on simplified text
        return {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text("utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = target
    return table


def to_simplified(text: str) -> str:
    """The same text in simplified characters, of the same length: positions still match."""
    return text.translate(_t2s_table())


class Restorer:
    """Gives back the characters as written for a string found in the simplified text."""

    def __init__(self, written: str, simplified: str):
        self.written, self.simplified = written, simplified
        self.reverse = {ord(s): w for s, w in zip(simplified, written, strict=True) if s != w}

    def __call__(self, value: str | None) -> str | None:
        if not value:
            return value
        at = self.simplified.find(value)
        if at != -1:
            return self.written[at : at + len(value)]
        return value.translate(self.reverse)

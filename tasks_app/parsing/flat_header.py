"""The header row of a task table flattened into text: which columns it has, and where.

Column names are found even when glued (工作任务牵头单位…) or letter-spaced (工 作 任 务);
`find_headers` yields every header row in one pass over the text without blanks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

HEADER_WORDS = {
    "number": ("序号", "编号"),
    "title": (
        "工作任务",
        "主要任务",
        "重点任务",
        "任务内容",
        "任务名称",
        "工作事项",
        "工作内容",
        "具体措施",
        "工作措施",
        "整改目标和措施",
        "整改目标及措施",
        "整改措施",
        "项目名称",
        "目标任务",
        "具体任务",
        "工作举措",
        "主要工作",
        "任务措施",
    ),
    "problem": ("存在问题", "主要问题", "问题清单"),
    "text": (
        "工作要求",
        "项目内容",
        "投资额",
        "负责事项",
        "具体内容",
        "目标要求",
        "主要内容",
        "工作目标",
        "备注",
        "建设内容",
        "工作标准",
    ),
    "lead": ("牵头单位", "牵头部门", "牵头责任单位", "牵头处室", "主责单位", "主办单位"),
    "responsible": (
        "主要责任单位",
        "责任单位",
        "配合单位",
        "责任部门",
        "协办单位",
        "参与单位",
        "配合部门",
        "配合责任单位",
        "责任主体",
        "协同单位",
        "承办单位",
        "责任处室",
        "配合处室",
    ),
    "person": (
        "牵头领导",
        "责任单位负责人",
        "责任领导",
        "分管领导",
        "企业方联系人",
        "联系人",
        "联系方式",
        "负责人",
        "责任人",
    ),
    "source": ("任务来源",),
    "deadline": ("完成时限", "时间节点", "完成时间", "时限要求", "办结时限", "完成期限"),
}
_ROLE_OF = {word: role for role, words in HEADER_WORDS.items() for word in words}
HEADER_RE = re.compile("|".join(sorted(_ROLE_OF, key=len, reverse=True)))
HEADER_GAP = 8  # characters allowed between two column names: 投资额(亿元人民币)
GAP_BREAKERS = set("。,，;；:：、")


@dataclass
class Header:
    roles: list[str]  # column roles in order
    start: int  # in the original text
    end: int
    spaced: bool  # cells separated by white space (9 columns between single spaces)

    @property
    def has_lead_column(self) -> bool:
        return "lead" in self.roles

    @property
    def units_last(self) -> bool:
        """Whether only unit (or deadline, person) columns follow the first unit column."""
        units = [i for i, r in enumerate(self.roles) if r in ("lead", "responsible")]
        rest = self.roles[units[0] :] if units else []
        return bool(units) and all(
            r in ("lead", "responsible", "deadline", "person", "source") for r in rest
        )

    def before_units(self, role: str) -> bool:
        units = [i for i, r in enumerate(self.roles) if r in ("lead", "responsible")]
        return bool(units) and role in self.roles and self.roles.index(role) < units[0]


def find_header(text: str) -> Header | None:
    """The first run of column names that names a task column and a unit column."""
    return next(find_headers(text), None)


def find_headers(text: str) -> Iterator[Header]:
    """Every header row in `text`, in order (one pass)."""
    compact, index = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            compact.append(ch)
            index.append(i)
    squeezed = "".join(compact)
    cluster: list[re.Match] = []

    def accept(cluster: list[re.Match]) -> Header | None:
        # A title just before the header (…主要任务分解表 工作任务 …) is not a column.
        while len(cluster) > 2 and squeezed[cluster[0].end() : cluster[1].start()]:
            rest = [_ROLE_OF[m.group(0)] for m in cluster[1:]]
            if not ({"title", "problem"} & set(rest) and {"lead", "responsible"} & set(rest)):
                break
            cluster = cluster[1:]
        roles = [_ROLE_OF[m.group(0)] for m in cluster]
        has_task = "title" in roles or "problem" in roles
        has_units = "lead" in roles or "responsible" in roles
        if not (has_task and has_units):
            return None
        gaps = [
            text[index[a.end() - 1] + 1 : index[b.start()]] for a, b in itertools.pairwise(cluster)
        ]
        spaced_gaps = sum(1 for gap in gaps if any(ch.isspace() for ch in gap))
        words = [text[index[m.start()] : index[m.end() - 1] + 1] for m in cluster]
        letter_spaced = sum(1 for word in words if any(ch.isspace() for ch in word))
        spaced = bool(gaps) and spaced_gaps >= 0.6 * len(gaps) and letter_spaced <= len(words) / 2
        if len(cluster) < 3 and not spaced:
            return None
        return Header(roles, index[cluster[0].start()], index[cluster[-1].end() - 1] + 1, spaced)

    for m in HEADER_RE.finditer(squeezed):
        if cluster:
            gap = squeezed[cluster[-1].end() : m.start()]
            if len(gap) > HEADER_GAP or any(ch in GAP_BREAKERS for ch in gap):
                found = accept(cluster)
                if found:
                    yield found
                cluster = []
        cluster.append(m)
    found = accept(cluster) if cluster else None
    if found:
        yield found

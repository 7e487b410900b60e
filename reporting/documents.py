"""A bulletin as documents: the .docx an office sends and the .xlsx of its figures."""

from __future__ import annotations

from django.utils import timezone

from core.localtime import chinese_date_text
from core.spreadsheets import Sheet, xlsx_bytes
from reporting import officedoc
from reporting.models import Bulletin
from reporting.services.bulletins import bulletin_current_figures

RANK_HEADERS = [
    "排名",
    "单位",
    "应办结",
    "已办结",
    "按时办结",
    "逾期",
    "被退回",
    "未按期反馈",
    "办结率",
    "按时率",
]


def _rank_row(r: dict, *, percent: bool = False) -> list:
    rates = [r["completion_rate"], r["on_time_rate"]]
    if percent:
        rates = [f"{rate:.0%}" for rate in rates]
    return [
        r["rank"],
        r["name"],
        r["assignments"],
        r["done"],
        r["done_on_time"],
        r["overdue"],
        r["returned"],
        r["missed_reports"],
        *rates,
    ]


# 下级分解落实情况: the government, the item given to it, its child plan's figures
LOWER_HEADERS = ["下级政府", "交办事项", "分解方案", "已办结/总数", "平均进度", "逾期"]
LOWER_COLUMNS = [
    "下级政府",
    "编号",
    "交办事项",
    "分解方案",
    "已办结",
    "总数",
    "平均进度(%)",
    "逾期",
]


def _lower_row(r: dict) -> list:
    return [
        r["government"],
        f"{r['ref']} {r['title']}",
        r["plan"],
        f"{r['done']}/{r['total']}",
        f"{r['progress']}%",
        r["overdue"],
    ]


def _lower_cells(r: dict) -> list:
    return [
        *(r["government"], r["ref"], r["title"], r["plan"]),
        *(r["done"], r["total"], r["progress"], r["overdue"]),
    ]


def _cn_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def bulletin_docx(bulletin: Bulletin) -> bytes:
    """The layout of GB/T 9704 (`reporting.officedoc`): title, number, headings by level,
    tables that print; the issuer and date signed at the end."""
    figures = bulletin_current_figures(bulletin)
    document = officedoc.official_document()
    officedoc.title(document, bulletin.title)
    if bulletin.number:
        officedoc.centered(document, bulletin.number)
    if bulletin.introduction:
        officedoc.body(document, bulletin.introduction)
    totals = figures["totals"]
    sections = [
        ("总体情况", None),
        ("各县(市、区)落实情况", "counties"),
        ("市直部门落实情况", "units"),
        *([("下级分解落实情况", "lower")] if figures.get("lower") else []),
        ("逾期事项", "overdue"),
    ]
    for index, (name, key) in enumerate(sections, start=1):
        officedoc.heading(document, f"{_cn_number(index)}、{name}", 1)
        if key is None:
            officedoc.body(
                document,
                f"统计期间 {figures['start']} 至 {figures['end']},"
                f"应办结事项 {totals['assignments']} 项,已办结 {totals['done']} 项;"
                f"截至 {figures['as_of']},逾期未办结 {totals['overdue']} 项。"
                + (
                    f"表现较好的单位:{'、'.join(figures['did_well'])}。"
                    if figures["did_well"]
                    else ""
                )
                + (f"进度滞后的单位:{'、'.join(figures['lagged'])}。" if figures["lagged"] else ""),
            )
        elif key == "lower":
            officedoc.body(
                document,
                f"截至 {figures['as_of']},{len(figures['lower'])} 项交办事项已由下级政府"
                "制定分解方案,落实情况如下。",
            )
            officedoc.table(document, LOWER_HEADERS, [_lower_row(r) for r in figures["lower"]])
        elif key == "overdue":
            listed = len(figures["overdue"])
            if totals["overdue"] > listed:
                officedoc.body(
                    document, f"共 {totals['overdue']} 项,以下列出期限最早的 {listed} 项。"
                )
            officedoc.table(
                document,
                ["单位", "事项", "期限", "逾期工作日", "最近反馈"],
                [
                    [
                        i["unit"],
                        f"{i['ref']} {i['title']}",
                        i["due_date"],
                        i["workdays_overdue"],
                        i["last_report"] or "未反馈",
                    ]
                    for i in figures["overdue"]
                ],
            )
        else:
            officedoc.table(
                document, RANK_HEADERS, [_rank_row(r, percent=True) for r in figures[key]]
            )
    if bulletin.conclusion:
        officedoc.heading(document, f"{_cn_number(len(sections) + 1)}、工作要求", 1)
        officedoc.body(document, bulletin.conclusion)
    officedoc.signature(
        document,
        bulletin.plan.issuer or "",
        chinese_date_text(bulletin.published_at or timezone.now()),
    )
    return officedoc.docx_bytes(document)


def bulletin_xlsx(bulletin: Bulletin) -> bytes:
    figures = bulletin_current_figures(bulletin)
    overdue_columns = ["单位", "编号", "事项", "期限", "逾期工作日", "最近反馈"]
    return xlsx_bytes(
        [
            Sheet(
                "各县(市、区)",
                [(h, None) for h in RANK_HEADERS],
                map(_rank_row, figures["counties"]),
            ),
            Sheet("市直部门", [(h, None) for h in RANK_HEADERS], map(_rank_row, figures["units"])),
            Sheet(
                "逾期事项",
                [(h, None) for h in overdue_columns],
                (
                    [
                        i["unit"],
                        i["ref"],
                        i["title"],
                        i["due_date"],
                        i["workdays_overdue"],
                        i["last_report"],
                    ]
                    for i in figures["overdue"]
                ),
                freeze_header=False,
            ),
            *(
                [
                    Sheet(
                        "下级分解落实",
                        [(h, None) for h in LOWER_COLUMNS],
                        map(_lower_cells, figures["lower"]),
                    )
                ]
                if figures.get("lower")
                else []
            ),
        ],
        title=bulletin.title,
    )

"""A bulletin as documents: the .docx an office sends and the .xlsx of its figures."""

from __future__ import annotations

import io

from django.utils import timezone

from core.localtime import chinese_date_text
from core.spreadsheets import Sheet, xlsx_bytes
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


def _cn_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def bulletin_docx(bulletin: Bulletin) -> bytes:
    """A Chinese official layout: title, number, issuer and date, headings, tables."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    figures = bulletin_current_figures(bulletin)
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "仿宋_GB2312", Pt(14)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(bulletin.title)
    run.bold, run.font.size, run.font.name = True, Pt(20), "方正小标宋简体"
    meta = document.add_paragraph(
        f"{bulletin.number + '  ' if bulletin.number else ''}"
        f"{bulletin.plan.issuer or ''}  "
        f"{chinese_date_text(bulletin.published_at or timezone.now())}"
    )
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if bulletin.introduction:
        document.add_paragraph(bulletin.introduction)
    totals = figures["totals"]
    sections = [
        ("总体情况", None),
        ("各县(市、区)落实情况", "counties"),
        ("市直部门落实情况", "units"),
        ("逾期事项", "overdue"),
    ]
    for index, (name, key) in enumerate(sections, start=1):
        document.add_heading(f"{_cn_number(index)}、{name}", level=2)
        if key is None:
            document.add_paragraph(
                f"统计期间 {figures['start']} 至 {figures['end']},"
                f"应办结事项 {totals['assignments']} 项,已办结 {totals['done']} 项;"
                f"截至 {figures['as_of']},逾期未办结 {totals['overdue']} 项。"
                + (
                    f"表现较好的单位:{'、'.join(figures['did_well'])}。"
                    if figures["did_well"]
                    else ""
                )
                + (f"进度滞后的单位:{'、'.join(figures['lagged'])}。" if figures["lagged"] else "")
            )
        elif key == "overdue":
            listed = len(figures["overdue"])
            if totals["overdue"] > listed:
                document.add_paragraph(
                    f"共 {totals['overdue']} 项,以下列出期限最早的 {listed} 项。"
                )
            _table(
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
            _table(document, RANK_HEADERS, [_rank_row(r, percent=True) for r in figures[key]])
    if bulletin.conclusion:
        document.add_heading(f"{_cn_number(len(sections) + 1)}、工作要求", level=2)
        document.add_paragraph(bulletin.conclusion)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _table(document, headers: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    if not rows:
        document.add_paragraph("(无)")


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
        ],
        title=bulletin.title,
    )

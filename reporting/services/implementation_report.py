"""The implementation report (落实情况报告) a unit, or every unit of a county, sends back on a
work plan: shaped as such reports are written, in the layout of GB/T 9704.

An opening paragraph naming the plan and the period; 一、工作开展情况 with the totals and then
the plan's own structure, every item with each unit's state and every accepted report in
order (progress reports, which need no review, and accepted completion claims; never a
returned or a pending claim); 二、存在的问题 and 三、下一步工作打算 drafted from the data
(overdue and returned items, items without any report) for the office to edit; the sender
and the date at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Value, When

from core.localtime import chinese_date_text
from regions.models import Region, Unit, User
from regions.selectors import region_subtree_q, unit_order
from reporting import officedoc
from tasks_app.access import assignments_for_user
from tasks_app.models import Assignment, ProgressReport, Task, WorkPlan
from tasks_app.selectors import assignments_with_status, done_in_time, today
from tasks_app.workdays import workdays_between

SHOWN = (ProgressReport.Review.ACCEPTED, ProgressReport.Review.NOT_NEEDED)
DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (up to 99)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{DIGITS[tens] if tens > 1 else ''}十{DIGITS[ones] if ones else ''}"


def outline_number(index: int, level: int) -> str:
    """The number of the index-th heading at a level below the report's own 一、: (一), 1.,
    (1), ①."""
    if level == 1:
        return f"({cn_number(index)})"
    if level == 2:
        return f"{index}."
    if level == 3:
        return f"({index})"
    return chr(0x2460 + index - 1) if index <= 20 else f"{index})"


@dataclass
class Item:
    assignment: Assignment
    overdue: bool
    on_time: bool
    reports: list[ProgressReport] = field(default_factory=list)
    returned: list[ProgressReport] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.assignment.state == Assignment.State.DONE


def implementation_report_data(
    *,
    user: User,
    plan: WorkPlan,
    unit: Unit | None = None,
    region: Region | None = None,
    on: dt.date | None = None,
) -> dict:
    """Who, the items by task in the plan's order, the headings above them, the totals."""
    on = on or today()
    assignments = assignments_for_user(user).filter(task__plan=plan)
    if unit is not None:
        assignments = assignments.filter(unit=unit)
        who = unit.full_name or unit.short_name
    else:
        assignments = assignments.filter(region_subtree_q(region, prefix="unit__region__"))
        who = region.name
    assignments = (
        assignments_with_status(assignments, on=on, flags=("is_overdue",))
        .annotate(
            on_time=Case(When(done_in_time(), then=Value(True)), default=Value(False)),
        )
        .select_related("unit", "task")
        .order_by("task__position", *unit_order("unit__"))
    )
    items = {
        a.pk: Item(assignment=a, overdue=bool(a.is_overdue), on_time=bool(a.on_time))
        for a in assignments
    }
    for report in ProgressReport.objects.filter(assignment__in=list(items)).order_by(
        "created_at", "id"
    ):
        item = items[report.assignment_id]
        if report.review_status in SHOWN:
            item.reports.append(report)
        elif report.review_status == ProgressReport.Review.RETURNED:
            item.returned.append(report)
    by_task: dict[int, list[Item]] = {}
    for item in items.values():
        by_task.setdefault(item.assignment.task_id, []).append(item)
    # every heading above an item concerned, numbered as in the plan (its place among its
    # siblings), so the report keeps the plan's structure and its numbers
    tasks = list(Task.objects.filter(plan=plan).order_by("position", "id"))
    by_id = {t.pk: t for t in tasks}
    numbers: dict[int, int] = {}
    siblings: dict[int | None, int] = {}
    for t in tasks:
        siblings[t.parent_id] = siblings.get(t.parent_id, 0) + 1
        numbers[t.pk] = siblings[t.parent_id]
    shown: set[int] = set()
    for task_id in by_task:
        task = by_id[task_id]
        while task is not None and task.pk not in shown:
            shown.add(task.pk)
            task = by_id.get(task.parent_id)
    outline = [(t, outline_number(numbers[t.pk], t.level)) for t in tasks if t.pk in shown]
    every = list(items.values())
    totals = {
        "items": len(every),
        "done": sum(i.done for i in every),
        "on_time": sum(i.done and i.on_time for i in every),
        "overdue": sum(i.overdue for i in every),
        "returned": sum(bool(i.returned) for i in every),
        "without_reports": sum(not i.reports and not i.returned for i in every),
    }
    totals["open"] = totals["items"] - totals["done"]
    return {
        "who": who,
        "on": on,
        "plan": plan,
        "outline": outline,
        "by_task": by_task,
        "items": every,
        "totals": totals,
        "many_units": unit is None or len({i.assignment.unit_id for i in every}) > 1,
    }


def _state(item: Item, on: dt.date) -> str:
    a = item.assignment
    due = f"期限{chinese_date_text(a.due_date)}"
    if item.done:
        timing = "按期办结" if item.on_time else "逾期办结"
        text = f"已于{chinese_date_text(a.done_at)}办结({due},{timing})。"
    elif a.state == Assignment.State.SUBMITTED:
        text = f"已于{chinese_date_text(a.submitted_at)}申请办结,待审核({due})。"
    elif item.overdue:
        late = -workdays_between(on, a.due_date)
        text = f"尚未办结,已逾期{late}个工作日({due},进度{a.progress}%)。"
    else:
        text = f"正在推进,进度{a.progress}%({due})。"
    if a.returns:
        text += f"办结申请被退回{a.returns}次。"
    return text


def _item_name(item: Item) -> str:
    a = item.assignment
    return f"{a.unit.short_name}承担的“{a.task.title.rstrip('。')}”"


def _problems(document, data: dict) -> None:
    items, on = data["items"], data["on"]
    overdue = [i for i in items if i.overdue]
    returned = [i for i in items if i.returned]
    silent = [i for i in items if not i.reports and not i.returned]
    groups = [
        (
            overdue,
            f"部分事项未按期办结。截至{chinese_date_text(on)},有{len(overdue)}项事项逾期未办结:",
            lambda i: f"{_item_name(i)},{_state(i, on)}",
        ),
        (
            returned,
            f"部分办结申请不符合要求。有{len(returned)}项事项的办结申请被退回:",
            lambda i: (
                f"{_item_name(i)},被退回{len(i.returned)}次"
                + (
                    f",退回意见为“{i.returned[-1].review_comment}”。"
                    if i.returned[-1].review_comment
                    else "。"
                )
            ),
        ),
        (
            silent,
            f"部分事项未及时报送进展。有{len(silent)}项事项尚未报送落实情况:",
            lambda i: f"{_item_name(i)}(期限{chinese_date_text(i.assignment.due_date)})。",
        ),
    ]
    present = [g for g in groups if g[0]]
    if not present:
        officedoc.body(document, "经梳理,各事项均按要求推进,暂未发现逾期、退回或未报送进展的情况。")
    for index, (group, lead, line) in enumerate(present, start=1):
        officedoc.heading(document, f"{outline_number(index, 1)}{lead}", 2)
        for n, item in enumerate(group, start=1):
            officedoc.body(document, f"{n}.{line(item)}")


def _next_steps(document, data: dict) -> None:
    t = data["totals"]
    pending = t["open"] - t["overdue"]
    steps = [
        (
            t["overdue"],
            f"加快推进逾期事项。对{t['overdue']}项逾期未办结事项逐项明确责任人和完成时限,"
            "尽快办结并及时报送落实情况。",
        ),
        (
            t["returned"],
            f"对照审核意见抓好整改。对办结申请被退回的{t['returned']}项事项,"
            "按照审核意见补充完善后重新申请办结。",
        ),
        (
            pending,
            f"按期完成在办事项。对尚未到期的{pending}项在办事项,倒排工期、压实责任,确保按期办结。",
        ),
        (
            t["without_reports"],
            f"及时报送工作进展。对尚未报送落实情况的{t['without_reports']}项事项,"
            "按要求及时报送进展情况。",
        ),
        (
            True,
            "巩固提升工作成效。对已办结事项加强跟踪问效,总结经验做法,"
            "建立健全长效机制,推动各项工作常态化、规范化。",
        ),
    ]
    for index, (_, text) in enumerate((s for s in steps if s[0]), start=1):
        officedoc.heading(document, f"{outline_number(index, 1)}{text}", 2)


def implementation_report_docx(
    *,
    user: User,
    plan: WorkPlan,
    unit: Unit | None = None,
    region: Region | None = None,
    on: dt.date | None = None,
) -> bytes:
    data = implementation_report_data(user=user, plan=plan, unit=unit, region=region, on=on)
    who, on, t = data["who"], data["on"], data["totals"]
    document = officedoc.official_document()
    officedoc.title(document, f"{who}关于《{plan.title}》落实情况的报告")
    if plan.issuer:
        officedoc.addressee(document, f"{plan.issuer}:")
    source = f"{plan.issuer or ''}《{plan.title}》" + (
        f"({plan.doc_number})" if plan.doc_number else ""
    )
    end = min(on, plan.period_end) if plan.period_end else on
    officedoc.body(
        document,
        f"根据{source}要求,{who}认真抓好贯彻落实。现将"
        f"{chinese_date_text(plan.period_start)}至{chinese_date_text(end)}落实情况报告如下:",
    )
    officedoc.heading(document, "一、工作开展情况", 1)
    officedoc.body(
        document,
        f"承担的事项共{t['items']}项,已办结{t['done']}项,其中按期办结{t['on_time']}项;"
        f"在办{t['open']}项,其中逾期未办结{t['overdue']}项。具体落实情况如下:",
    )
    for task, number in data["outline"]:
        officedoc.heading(document, f"{number}{task.title}", task.level + 1)
        for item in data["by_task"].get(task.pk, []):
            prefix = f"{item.assignment.unit.short_name}:" if data["many_units"] else ""
            officedoc.body(document, prefix + _state(item, on))
            for report in item.reports:
                lines = [line.strip() for line in report.text.splitlines() if line.strip()]
                for n, line in enumerate(lines):
                    head = f"{chinese_date_text(report.created_at)}," if n == 0 else ""
                    officedoc.body(document, head + line)
            if not item.reports:
                officedoc.body(document, "尚未报送落实情况。")
    officedoc.heading(document, "二、存在的问题", 1)
    _problems(document, data)
    officedoc.heading(document, "三、下一步工作打算", 1)
    _next_steps(document, data)
    officedoc.signature(document, who, chinese_date_text(on))
    return officedoc.docx_bytes(document)

"""Bulletins (通报): figures for a period from the tracked data; draft → published (frozen);
one mail per unit concerned; .docx and .xlsx; a draft each month."""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import ApplicationError, NotFoundError
from core.localtime import chinese_date_text, date_text
from core.spreadsheets import Sheet, xlsx_bytes
from regions.models import Unit, User
from tasks_app.access import plans_for_user, require_coordinator
from tasks_app.models import Assignment, Bulletin, BulletinDelivery, MailLog, WorkPlan
from tasks_app.progress import FIGURES, Row, child_region_of
from tasks_app.selectors import assignments_with_status, today
from tasks_app.services.reminders import MAIL_ERRORS, _unit_recipients
from tasks_app.workdays import workdays_between

# The overdue items a bulletin lists; the figures still count every one of them.
OVERDUE_LISTED = 500


def _rows(grouped, key: str, names: dict) -> list[dict]:
    rows = [
        Row(key=r[key], name=names.get(r[key], "本级部门及单位"), **{n: r[n] for n in FIGURES})
        for r in grouped
    ]
    ranked = sorted(rows, key=lambda r: (-r.completion_rate, -r.on_time_rate, r.overdue, r.name))
    return [{**r.as_dict(), "rank": i} for i, r in enumerate(ranked, start=1)]


def bulletin_figures(
    *, plan: WorkPlan, start: dt.date, end: dt.date, on: dt.date | None = None
) -> dict:
    """Each county's and unit's figures for assignments due in [start, end], ranked; the
    items overdue at the end of the period; who did well and who lagged."""
    on = on or min(end, today())
    due = assignments_with_status(
        Assignment.objects.filter(task__plan=plan, due_date__gte=start, due_date__lte=end), on=on
    )
    from regions.models import Region

    counties = _rows(
        due.annotate(child=child_region_of(plan.region))
        .filter(child__isnull=False)
        .values("child")
        .annotate(**FIGURES)
        .order_by(),
        "child",
        dict(Region.objects.filter(parent=plan.region).values_list("pk", "name")),
    )
    units = _rows(
        due.filter(unit__region=plan.region).values("unit_id").annotate(**FIGURES).order_by(),
        "unit_id",
        dict(Unit.objects.filter(region=plan.region).values_list("pk", "short_name")),
    )
    overdue_items = (
        assignments_with_status(
            Assignment.objects.filter(task__plan=plan, due_date__lte=end), on=on
        )
        .filter(is_overdue=True)
        .select_related("unit", "task")
        .order_by("due_date", "unit__short_name")
    )
    overdue = [
        {
            "unit": a.unit.short_name,
            "ref": a.task.ref,
            "title": a.task.title,
            "due_date": a.due_date.isoformat(),
            "workdays_overdue": -workdays_between(on, a.due_date),
            "last_report": date_text(a.last_report_at),
        }
        for a in overdue_items[:OVERDUE_LISTED]
    ]
    overdue_total = overdue_items.count()  # counted: the list stops at OVERDUE_LISTED
    everyone = [r for r in counties + units if r["assignments"]]
    did_well = [
        r["name"]
        for r in everyone
        if r["done"] == r["assignments"] and r["done_on_time"] == r["done"]
    ]
    lagged = [r["name"] for r in sorted(everyone, key=lambda r: -r["overdue"]) if r["overdue"]]
    total = sum(r["assignments"] for r in counties + units)
    done = sum(r["done"] for r in counties + units)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": on.isoformat(),
        "totals": {"assignments": total, "done": done, "overdue": overdue_total},
        "counties": counties,
        "units": units,
        "overdue": overdue,
        "did_well": did_well[:10],
        "lagged": lagged[:10],
    }


def bulletin_current_figures(bulletin: Bulletin) -> dict:
    """Frozen once published; live while a draft."""
    if bulletin.status == Bulletin.Status.PUBLISHED:
        return bulletin.figures
    return bulletin_figures(
        plan=bulletin.plan, start=bulletin.period_start, end=bulletin.period_end
    )


@transaction.atomic
def bulletin_create(
    *,
    user: User | None,
    plan: WorkPlan,
    start: dt.date,
    end: dt.date,
    title: str = "",
    number: str = "",
    introduction: str = "",
    conclusion: str = "",
) -> Bulletin:
    if user is not None:
        require_coordinator(user)
        if not plans_for_user(user).filter(pk=plan.pk).exists():
            raise NotFoundError("工作要点不存在。")
    if end < start:
        raise ApplicationError("统计止日不能早于起日。")
    bulletin = Bulletin(
        plan=plan,
        period_start=start,
        period_end=end,
        number=number,
        title=title
        or f"关于{plan.title}落实情况的通报({start:%Y年%-m月%-d日}—{end:%Y年%-m月%-d日})",
        introduction=introduction,
        conclusion=conclusion,
    )
    try:
        with transaction.atomic():
            bulletin.save()
    except IntegrityError as exc:
        raise ApplicationError("该工作要点在这一期间已有通报。") from exc
    return bulletin


@transaction.atomic
def bulletin_publish(*, user: User, bulletin_id: int, enqueue: bool = True) -> Bulletin:
    require_coordinator(user)
    bulletin = (
        Bulletin.objects.select_for_update()
        .filter(pk=bulletin_id, plan__in=plans_for_user(user))
        .select_related("plan__region")
        .first()
    )
    if bulletin is None:
        raise NotFoundError("通报不存在。")
    if bulletin.status == Bulletin.Status.PUBLISHED:
        raise ApplicationError("该通报已发布。")
    bulletin.figures = bulletin_figures(
        plan=bulletin.plan, start=bulletin.period_start, end=bulletin.period_end
    )
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_at, bulletin.published_by = timezone.now(), user
    bulletin._history_user = user
    bulletin.save()
    units = Unit.objects.filter(assignments__task__plan=bulletin.plan).distinct()
    BulletinDelivery.objects.bulk_create(
        [BulletinDelivery(bulletin=bulletin, unit=u) for u in units], ignore_conflicts=True
    )
    if enqueue:
        from tasks_app.tasks import bulletin_send_task

        transaction.on_commit(lambda: bulletin_send_task.delay(bulletin.pk))
    return bulletin


def bulletin_send(*, bulletin_id: int) -> list[int]:
    """Mail the published bulletin (.docx attached) to each unit concerned, once each."""
    bulletin = Bulletin.objects.select_related("plan").get(pk=bulletin_id)
    document = bulletin_docx(bulletin)
    failed = []
    with get_connection() as smtp:
        for delivery_id in bulletin.deliveries.filter(sent_at__isnull=True).values_list(
            "pk", flat=True
        ):
            with transaction.atomic():
                delivery = (
                    BulletinDelivery.objects.select_for_update(skip_locked=True)
                    .select_related("unit")
                    .filter(pk=delivery_id, sent_at__isnull=True)
                    .first()
                )
                if delivery is None:
                    continue
                to = _unit_recipients(delivery.unit_id)
                if not to:
                    delivery.error = "无收件人"
                    delivery.save(update_fields=["error"])
                    continue
                body = (
                    f"{delivery.unit.full_name or delivery.unit.short_name}:\n\n"
                    f"现将《{bulletin.title}》印发给你们,请对照通报内容抓好落实。通报全文见附件。\n\n"
                    f"{bulletin.plan.issuer or '工作要点督办系统'}"
                )
                message = EmailMultiAlternatives(
                    f"【通报】{bulletin.title}",
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    to,
                    connection=smtp,
                )
                message.attach(
                    f"{bulletin.title}.docx",
                    document,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
                try:
                    message.send()
                except MAIL_ERRORS as exc:
                    delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
                    delivery.save(update_fields=["error"])
                    failed.append(delivery.pk)
                    continue
                delivery.sent_at, delivery.error = timezone.now(), ""
                delivery.save(update_fields=["sent_at", "error"])
                MailLog.objects.create(
                    region_id=bulletin.plan.region_id,
                    kind="bulletin",
                    recipients=", ".join(to),
                    subject=message.subject,
                    body=body,
                )
    return failed


def bulletins_draft_monthly(*, on: dt.date | None = None) -> list[Bulletin]:
    """At the start of a month, a draft for last month for every active plan (once)."""
    on = on or today()
    first = on.replace(day=1)
    end = first - dt.timedelta(days=1)
    start = end.replace(day=1)
    drafts = []
    for plan in WorkPlan.objects.filter(status=WorkPlan.Status.ACTIVE).filter(
        Q(period_start__lte=end) & Q(period_end__gte=start)
    ):
        if Bulletin.objects.filter(plan=plan, period_start=start, period_end=end).exists():
            continue
        drafts.append(
            bulletin_create(
                user=None,
                plan=plan,
                start=start,
                end=end,
                title=f"关于{plan.title}{end.year}年{end.month}月落实情况的通报",
            )
        )
    return drafts


# --- documents ------------------------------------------------------------------------------


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

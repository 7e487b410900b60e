"""From an outline to a plan: tasks, responsibilities and one assignment per unit."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from core.errors import ApplicationError, NotFoundError
from core.models import normalize_name
from core.queue import queue_task
from regions.models import Region, Unit, UnitGroup, User
from regions.selectors import region_subtree_q
from regions.services import alias_add_many
from tasks_app import events
from tasks_app.access import is_coordinator
from tasks_app.models import (
    Assignment,
    ImportJob,
    ReportCycle,
    Responsibility,
    Role,
    Task,
    WorkPlan,
)
from tasks_app.services.import_plan import (  # noqa: F401 - the outline's public helpers
    NEW,
    Target,
    assignments_plan,
    entry_key,
    outline_date,
    outline_resolve,
    outline_validate,
    tracked_units,
)

logger = logging.getLogger(__name__)


class UnresolvedNamesError(ApplicationError):
    """Some names match no unit or group (or several): the coordinator must map them."""

    def __init__(self, names: list[str], ambiguous: list[str]) -> None:
        parts = []
        if names:
            parts.append(f"以下名称在单位目录中找不到:{'、'.join(names)}")
        if ambiguous:
            parts.append(f"以下名称对应多个单位:{'、'.join(ambiguous)}")
        super().__init__(
            ";".join(parts) + "。请为每个名称选择对应的单位或新建单位后再导入。",
            extra={"unresolved": names, "ambiguous": ambiguous},
        )
        self.names = names
        self.ambiguous = ambiguous


@dataclass
class ImportResult:
    plan: WorkPlan
    tasks: int = 0
    responsibilities: int = 0
    assignments: int = 0
    unassigned: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"已创建 {self.tasks} 个任务、{self.responsibilities} 条责任分工、"
            f"{self.assignments} 个交办事项"
        )
        if self.unassigned:
            text += f";{len(self.unassigned)} 个条目没有责任单位:{'、'.join(self.unassigned)}"
        return text


# --- the outline --------------------------------------------------------------------


# --- the import ---------------------------------------------------------------------------


@transaction.atomic
def workplan_import(
    *,
    outline: dict,
    region: Region,
    user: User | None,
    mapping: dict[str, str] | None = None,
    period_end: dt.date | None = None,
    source_name: str = "",
    source_text: str = "",
    parent_assignment: Assignment | None = None,
) -> ImportResult:
    """Create the plan with its tasks, responsibilities and assignments, all or nothing.
    With `parent_assignment`, the plan is this government's decomposition of an item from
    above (the caller checks it may receive that item).

    Every name must resolve (through the directory or `mapping`); mapped names are
    remembered as aliases, so the next document that writes them resolves by itself.
    """
    tasks = outline_validate(outline)
    targets, unresolved, ambiguous, _problems = outline_resolve(
        region=region, outline=outline, mapping=mapping
    )
    if unresolved or ambiguous:
        raise UnresolvedNamesError(unresolved, ambiguous)

    period = outline.get("period") or {}
    start = outline_date(period.get("start"), "起始日期")
    end = period_end or outline_date(period.get("end"), "截止日期")
    if end is None:
        raise ApplicationError("请填写工作要点的截止日期:未写明时限的任务以它为跟踪期限。")
    start = start or dt.date(end.year, 1, 1)
    if start > end:
        raise ApplicationError("起始日期晚于截止日期。")

    # what to create is decided before anything is written, as the preview decided it
    planned = assignments_plan(region=region, tasks=tasks, targets=targets, period_end=end)
    targets = _materialise(targets, region, mapping or {})

    plan = WorkPlan(
        title=str(outline.get("title") or "未命名工作要点")[:200],
        doc_number=str(outline.get("doc_number") or "")[:64],
        issuer=str(outline.get("issuer") or "")[:128],
        issued_on=outline_date(outline.get("issued_on"), "发文日期"),
        region=region,
        period_start=start,
        period_end=end,
        status=WorkPlan.Status.ACTIVE,
        source_name=source_name[:255],
        source_text=source_text,
        created_by=user,
        parent_assignment=parent_assignment,
    )
    plan._history_user = user
    plan._change_reason = IMPORT_REASON
    plan.save()
    created = _create_tasks(plan, tasks, planned.due_by_ref, user)
    result = ImportResult(plan=plan, tasks=len(created))

    responsibilities = []
    for task in tasks:
        seen: dict[tuple[str, int], Responsibility] = {}
        for unit in task.get("units") or []:
            target = targets.get(entry_key(unit))
            if target is None:  # a name the coordinator left unassigned (SKIP)
                continue
            key = (type(target).__name__, target.pk)
            role = unit.get("role", Role.RESPONSIBLE)
            if key in seen:
                if role == Role.LEAD:
                    seen[key].role = Role.LEAD
                continue
            seen[key] = Responsibility(
                task=created[task["ref"]],
                unit=target if isinstance(target, Unit) else None,
                group=target if isinstance(target, UnitGroup) else None,
                role=role,
                name_as_written=str(unit["name"])[:128],
            )
        responsibilities += seen.values()
    _bulk_create(Responsibility, responsibilities, user)
    result.responsibilities = len(responsibilities)

    new_units = {NEW + name: t.pk for name, t in targets.items() if isinstance(t, Unit)}
    assignments = []
    for ref, roles in planned.by_ref.items():
        task = created[ref]
        assignments += [
            Assignment(
                task=task, unit_id=new_units.get(key, key), role=role, due_date=task.due_date
            )
            for key, role in roles.items()
        ]
    _bulk_create(Assignment, assignments, user)
    events.emit("assigned", plan=plan, assignments=assignments, actor=user)
    result.assignments = len(assignments)
    result.unassigned = planned.unassigned
    return result


def _materialise(
    targets: dict[str, Target | str], region: Region, mapping: dict[str, str]
) -> dict[str, Target]:
    """Create the units the coordinator asked for; remember every mapping as an alias."""
    mapped = {normalize_name(k) for k, v in mapping.items() if v}
    final: dict[str, Target] = {}
    for name, target in targets.items():
        if isinstance(target, str):  # "new:<kind>"
            target, _ = Unit.objects.get_or_create(
                region=region, short_name=name, defaults={"kind": target[4:]}
            )
        elif name in mapped:
            if isinstance(target, Unit):
                alias_add_many(unit=target, names=[name])
            else:
                alias_add_many(group=target, names=[name])
        final[name] = target
    return final


IMPORT_REASON = "导入工作要点"


def _bulk_create(model, objs: list, user: User | None) -> list:
    """Insert many rows and their history rows (who imported them, and why)."""
    return bulk_create_with_history(
        objs, model, default_user=user, default_change_reason=IMPORT_REASON
    )


def _create_tasks(
    plan: WorkPlan, tasks: list[dict], due_by_ref: dict[str, dt.date], user: User | None
) -> dict[str, Task]:
    """Create the tree level by level (one insert per level), with the planned due dates."""
    by_ref: dict[str, Task] = {}
    levels: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for position, task in enumerate(tasks):
        levels[task["ref"].count("/")].append((position, task))
    for depth in sorted(levels):
        batch = []
        for position, task in levels[depth]:
            ref = task["ref"]
            parent_ref = ref.rsplit("/", 1)[0] if "/" in ref else None
            cycle = task.get("report_cycle") or ""
            batch.append(
                Task(
                    plan=plan,
                    parent=by_ref[parent_ref] if parent_ref else None,
                    ref=ref[:64],
                    number=str(task.get("number") or ref.rsplit("/", 1)[-1])[:16],
                    level=depth + 1,
                    position=position,
                    title=str(task["title"])[:500],
                    text=str(task.get("text") or ""),
                    deadline=outline_date(task.get("deadline"), f"条目“{ref}”的时限"),
                    deadline_text=str(task.get("deadline_text") or "")[:128],
                    due_date=due_by_ref[ref],
                    report_cycle=cycle if cycle in ReportCycle.values else "",
                )
            )
        for task in _bulk_create(Task, batch, user):
            by_ref[task.ref] = task
    return by_ref


# --- import jobs: upload → parse → review → confirm ---------------------------------------


def parent_assignment_has_child(parent: Assignment) -> bool:
    return WorkPlan.objects.filter(parent_assignment=parent).exists()


def max_upload_bytes() -> int:
    return settings.WORKPLAN_MAX_UPLOAD_BYTES


def import_job_create(
    *,
    user: User,
    region: Region,
    upload: UploadedFile | None = None,
    text: str = "",
    parent_assignment: Assignment | None = None,
) -> ImportJob:
    """Record an upload or pasted text; small ones parse now, large ones in Celery.
    `parent_assignment`: the item from above this document decomposes (checked by the
    caller as receivable by the user); the plan goes to the receiving government's region."""
    if parent_assignment is not None and parent_assignment.unit.region_id != region.pk:
        raise ApplicationError(
            f"分解方案应导入受领政府所在的区划({parent_assignment.unit.region})。"
        )
    if parent_assignment is not None and parent_assignment_has_child(parent_assignment):
        raise ApplicationError("该上级交办事项已有分解方案,不能再导入一个。")
    if upload is None and not text.strip():
        raise ApplicationError("请上传文件或粘贴正文。")
    if upload is not None and upload.size > max_upload_bytes():
        raise ApplicationError(too_big_message(upload.size))
    if upload is not None and upload.size == 0:
        raise ApplicationError("上传的文件是空的。")
    job = ImportJob.objects.create(
        region=region,
        created_by=user,
        source_name=(upload.name if upload else "粘贴的正文")[:255],
        source_size=upload.size if upload else len(text.encode()),
        source_file=upload,
        source_text=text if upload is None else "",
        parent_assignment=parent_assignment,
    )
    if job.source_size > settings.WORKPLAN_SYNC_PARSE_MAX_BYTES:
        transaction.on_commit(lambda: _enqueue_parse(job.pk))
    else:
        import_job_parse(job_id=job.pk)
        job.refresh_from_db()
    return job


def _enqueue_parse(job_id: int) -> None:
    from kombu.exceptions import OperationalError

    try:
        queue_task("tasks_app.tasks.import_job_parse_task", job_id)
    except OperationalError:
        # The broker is down: parse here rather than leave the job waiting for nobody.
        logger.exception("could not queue the parse of import job %s; parsing inline", job_id)
        import_job_parse(job_id=job_id)


def too_big_message(size: int) -> str:
    limit = max_upload_bytes() // (1024 * 1024)
    return f"文件过大({size / 1024 / 1024:.1f} MB),上限为 {limit} MB。请拆分后再上传。"


def import_job_parse(*, job_id: int) -> ImportJob:
    """Parse the job's document, recording progress, the outline or the error."""
    from tasks_app.parse_sandbox import parse_sandboxed
    from tasks_app.parsing import ParseError
    from tasks_app.parsing.readers import decode_text, is_zip

    job = ImportJob.objects.get(pk=job_id)
    if job.status not in (ImportJob.Status.PENDING, ImportJob.Status.FAILED):
        return job
    _progress(job, ImportJob.Status.PARSING, 10)
    try:
        if job.source_file:
            with job.source_file.open("rb") as handle:
                data = handle.read(max_upload_bytes() + 1)
            if len(data) > max_upload_bytes():
                raise ParseError(too_big_message(len(data)))
            _progress(job, ImportJob.Status.PARSING, 40)
            if is_zip(data) or data[:5] == b"%PDF-" or data[:4] == b"\xd0\xcf\x11\xe0":
                outline = parse_sandboxed(data=data, filename=job.source_name)
            else:  # plain text: keep it, so the plan shows the document it came from
                job.source_text = decode_text(data)
                outline = parse_sandboxed(text=job.source_text)
        else:
            outline = parse_sandboxed(text=job.source_text)
    except ApplicationError as exc:
        job.status, job.error, job.progress = ImportJob.Status.FAILED, exc.message, 100
        job.save(update_fields=["status", "error", "progress", "updated_at"])
        return job
    job.outline, job.status, job.progress, job.error = outline, ImportJob.Status.PARSED, 100, ""
    job.save(update_fields=["outline", "source_text", "status", "progress", "error", "updated_at"])
    return job


def _progress(job: ImportJob, status: str, progress: int) -> None:
    job.status, job.progress = status, progress
    job.save(update_fields=["status", "progress", "updated_at"])


def import_job_get_for_user(*, user: User, job_id: int) -> ImportJob:
    """The job, if the user may work on it: its creator's region or below; else not found."""
    jobs = ImportJob.objects.select_related("region", "plan")
    if not user.is_superuser:
        if not is_coordinator(user):
            raise NotFoundError("导入记录不存在。")
        jobs = jobs.filter(region_subtree_q(user.region, prefix="region__"))
    try:
        return jobs.get(pk=job_id)
    except ImportJob.DoesNotExist as exc:
        raise NotFoundError("导入记录不存在。") from exc


@transaction.atomic
def import_job_review(*, job: ImportJob, outline: dict, mapping: dict[str, str]) -> ImportJob:
    """Keep the coordinator's edits and name choices until they confirm."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PARSED:
        raise ApplicationError("该导入已完成或尚未解析,不能再修改。")
    outline_validate(outline)
    # a unit chosen by id or a mapping outside the region is refused here, not at confirm
    outline_resolve(region=job.region, outline=outline, mapping=mapping)
    job.outline, job.mapping = outline, {k: v for k, v in mapping.items() if v}
    job.save(update_fields=["outline", "mapping", "updated_at"])
    return job


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def import_job_confirm(*, job: ImportJob, user: User, period_end: dt.date | None = None):
    """Create the plan from the reviewed outline; the job then points at it."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status == ImportJob.Status.IMPORTED:
        raise ApplicationError("该文件已导入,不能重复导入。")
    if job.status != ImportJob.Status.PARSED:
        raise ApplicationError("文件尚未解析成功,不能导入。")
    if job.parent_assignment_id is not None:
        parent = Assignment.objects.select_for_update(of=("self",)).get(pk=job.parent_assignment_id)
        if parent_assignment_has_child(parent):
            raise ApplicationError("该上级交办事项已有分解方案,不能再导入一个。")
    result = workplan_import(
        outline=job.outline,
        region=job.region,
        user=user,
        mapping=job.mapping,
        period_end=period_end,
        source_name=job.source_name,
        source_text=job.source_text,
        parent_assignment=job.parent_assignment,
    )
    job.plan, job.status = result.plan, ImportJob.Status.IMPORTED
    job.save(update_fields=["plan", "status", "updated_at"])
    return result

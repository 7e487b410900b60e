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

from config.errors import ApplicationError, NotFoundError
from regions.common import normalize_name
from regions.models import Region, Unit, UnitGroup, User
from regions.selectors import directory_resolve_names, region_subtree_q, unit_groups_members
from regions.services import alias_add_many
from tasks_app.models import (
    Assignment,
    ImportJob,
    ReportCycle,
    Responsibility,
    Role,
    Task,
    WorkPlan,
)

logger = logging.getLogger(__name__)
Target = Unit | UnitGroup
UNIT_KINDS = {k.value for k in Unit.Kind}


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


def _date(value, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ApplicationError(f"{what}“{value}”不是有效日期(应为 YYYY-MM-DD)。") from exc


def outline_validate(outline: dict) -> list[dict]:
    """The outline's tasks, checked: refs unique, parents before children, units well formed."""
    if not isinstance(outline, dict) or not isinstance(outline.get("tasks"), list):
        raise ApplicationError("解析结果格式不正确:缺少 tasks 列表。")
    tasks = outline["tasks"]
    if not tasks:
        raise ApplicationError("没有任何条目,无法创建工作要点。")
    seen: set[str] = set()
    for index, task in enumerate(tasks, start=1):
        ref = str(task.get("ref") or "").strip()
        if not ref:
            raise ApplicationError(f"第 {index} 个条目缺少编号路径(ref)。")
        if ref in seen:
            raise ApplicationError(f"编号路径“{ref}”重复。")
        parent = ref.rsplit("/", 1)[0] if "/" in ref else None
        if parent is not None and parent not in seen:
            raise ApplicationError(f"条目“{ref}”的上级“{parent}”不存在或排在它后面。")
        seen.add(ref)
        if not str(task.get("title") or "").strip():
            raise ApplicationError(f"条目“{ref}”没有标题。")
        for unit in task.get("units") or []:
            if not isinstance(unit, dict) or not normalize_name(unit.get("name", "")):
                raise ApplicationError(f"条目“{ref}”的责任单位格式不正确。")
            if unit.get("role", "responsible") not in Role.values:
                raise ApplicationError(f"条目“{ref}”的单位角色“{unit.get('role')}”无效。")
        _date(task.get("deadline"), f"条目“{ref}”的时限")
    return tasks


def outline_names(outline: dict) -> list[str]:
    """Every unit name the outline uses, normalised, in first-seen order."""
    names: dict[str, None] = {}
    for task in outline.get("tasks", []):
        for unit in task.get("units") or []:
            names[normalize_name(unit["name"])] = None
    return list(names)


def outline_resolve(
    *, region: Region, outline: dict, mapping: dict[str, str] | None = None
) -> tuple[dict[str, Target | str], list[str], list[str]]:
    """Name → unit or group; mapped names → their choice ('new:<kind>' stays a string).

    Returns (targets, unresolved, ambiguous) without writing anything.
    """
    mapping = {normalize_name(k): v for k, v in (mapping or {}).items() if v}
    names = outline_names(outline)
    found = directory_resolve_names(region=region, names=names)
    targets: dict[str, Target | str] = {}
    unresolved, ambiguous = [], []
    chosen_units, chosen_groups = {}, {}
    for name in names:
        choice = mapping.get(name, "")
        if choice.startswith("unit:"):
            chosen_units[name] = int(choice[5:])
        elif choice.startswith("group:"):
            chosen_groups[name] = int(choice[6:])
        elif choice.startswith("new:") and choice[4:] in UNIT_KINDS:
            targets[name] = choice
        elif found[name].is_resolved:
            targets[name] = found[name].unit or found[name].group
        elif found[name].is_ambiguous:
            ambiguous.append(name)
        else:
            unresolved.append(name)
    in_region = region_subtree_q(region, prefix="region__")
    units = Unit.objects.filter(in_region, pk__in=chosen_units.values()).in_bulk()
    groups = UnitGroup.objects.filter(region=region, pk__in=chosen_groups.values()).in_bulk()
    for name, pk in chosen_units.items():
        if pk not in units:
            raise ApplicationError(f"为“{name}”选择的单位不存在或不在本区划内。")
        targets[name] = units[pk]
    for name, pk in chosen_groups.items():
        if pk not in groups:
            raise ApplicationError(f"为“{name}”选择的单位组不存在或不在本区划内。")
        targets[name] = groups[pk]
    return targets, unresolved, ambiguous


# --- which nodes are tracked, for which units ---------------------------------------------


def tracked_units(tasks: list[dict]) -> tuple[dict[str, list[dict]], list[str]]:
    """For each tracked node (by ref), the unit entries it is tracked for; and the leaves
    nobody is responsible for.

    A node with a clause of its own is tracked as a whole when nothing below it has a
    clause: its sub-items are its content (太原's (一) lists eight kinds of information
    that its units publish). Otherwise its units pass down: every leaf below without a
    clause of its own takes its nearest ancestor's units, and the node itself is tracked
    only if no leaf took them, so no unit is asked to report the same work twice.
    """
    children: dict[str | None, list[dict]] = defaultdict(list)
    for task in tasks:
        ref = task["ref"]
        children[ref.rsplit("/", 1)[0] if "/" in ref else None].append(task)

    has_clause_below: dict[str, bool] = {}

    def clause_below(task: dict) -> bool:
        ref = task["ref"]
        if ref not in has_clause_below:
            has_clause_below[ref] = any(
                bool(c.get("units")) or clause_below(c) for c in children[ref]
            )
        return has_clause_below[ref]

    tracked: dict[str, list[dict]] = {}
    unassigned: list[str] = []

    def walk(task: dict, inherited: list[dict] | None) -> bool:
        """Track `task`'s subtree; True if a leaf in it used `inherited`."""
        own = task.get("units") or []
        kids = children[task["ref"]]
        if own:
            if not clause_below(task):
                tracked[task["ref"]] = own
                return False
            used = False
            for kid in kids:
                used |= walk(kid, own)
            if not used:
                tracked[task["ref"]] = own
            return False
        if not kids:
            if inherited:
                tracked[task["ref"]] = inherited
                return True
            unassigned.append(task["ref"])
            return False
        used = False
        for kid in kids:
            used |= walk(kid, inherited)
        return used

    for root in children[None]:
        walk(root, None)
    return tracked, unassigned


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
) -> ImportResult:
    """Create the plan with its tasks, responsibilities and assignments, all or nothing.

    Every name must resolve (through the directory or `mapping`); mapped names are
    remembered as aliases, so the next document that writes them resolves by itself.
    """
    tasks = outline_validate(outline)
    targets, unresolved, ambiguous = outline_resolve(
        region=region, outline=outline, mapping=mapping
    )
    if unresolved or ambiguous:
        raise UnresolvedNamesError(unresolved, ambiguous)

    period = outline.get("period") or {}
    start = _date(period.get("start"), "起始日期")
    end = period_end or _date(period.get("end"), "截止日期")
    if end is None:
        raise ApplicationError("请填写工作要点的截止日期:未写明时限的任务以它为跟踪期限。")
    start = start or dt.date(end.year, 1, 1)
    if start > end:
        raise ApplicationError("起始日期晚于截止日期。")

    targets = _materialise(targets, region, mapping or {})

    plan = WorkPlan(
        title=str(outline.get("title") or "未命名工作要点")[:200],
        doc_number=str(outline.get("doc_number") or "")[:64],
        issuer=str(outline.get("issuer") or "")[:128],
        issued_on=_date(outline.get("issued_on"), "发文日期"),
        region=region,
        period_start=start,
        period_end=end,
        status=WorkPlan.Status.ACTIVE,
        source_name=source_name[:255],
        source_text=source_text,
        created_by=user,
    )
    plan._history_user = user
    plan._change_reason = IMPORT_REASON
    plan.save()
    created = _create_tasks(plan, tasks, user)
    result = ImportResult(plan=plan, tasks=len(created))

    responsibilities = []
    for task in tasks:
        seen: dict[tuple[str, int], Responsibility] = {}
        for unit in task.get("units") or []:
            target = targets[normalize_name(unit["name"])]
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

    tracked, result.unassigned = tracked_units(tasks)
    groups = {t for t in targets.values() if isinstance(t, UnitGroup)}
    members = unit_groups_members(groups=groups)
    assignments = []
    for ref, entries in tracked.items():
        roles: dict[int, tuple[Unit, str]] = {}
        for entry in entries:
            target = targets[normalize_name(entry["name"])]
            units = members[target.pk] if isinstance(target, UnitGroup) else [target]
            role = entry.get("role", Role.RESPONSIBLE)
            for unit in units:
                if unit.pk not in roles or role == Role.LEAD:
                    roles[unit.pk] = (unit, role)
        task = created[ref]
        assignments += [
            Assignment(task=task, unit=unit, role=role, due_date=task.due_date)
            for unit, role in roles.values()
        ]
    _bulk_create(Assignment, assignments, user)
    result.assignments = len(assignments)
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


def _create_tasks(plan: WorkPlan, tasks: list[dict], user: User | None) -> dict[str, Task]:
    """Create the tree level by level (one insert per level), with inherited due dates."""
    by_ref: dict[str, Task] = {}
    deadlines: dict[str, dt.date | None] = {}
    levels: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for position, task in enumerate(tasks):
        levels[task["ref"].count("/")].append((position, task))
    for depth in sorted(levels):
        batch = []
        for position, task in levels[depth]:
            ref = task["ref"]
            parent_ref = ref.rsplit("/", 1)[0] if "/" in ref else None
            own = _date(task.get("deadline"), f"条目“{ref}”的时限")
            deadlines[ref] = own or (deadlines[parent_ref] if parent_ref else None)
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
                    deadline=own,
                    deadline_text=str(task.get("deadline_text") or "")[:128],
                    due_date=deadlines[ref] or plan.period_end,
                    report_cycle=cycle if cycle in ReportCycle.values else "",
                )
            )
        for task in _bulk_create(Task, batch, user):
            by_ref[task.ref] = task
    return by_ref


# --- import jobs: upload → parse → review → confirm ---------------------------------------


def max_upload_bytes() -> int:
    return settings.WORKPLAN_MAX_UPLOAD_BYTES


def import_job_create(
    *,
    user: User,
    region: Region,
    upload: UploadedFile | None = None,
    text: str = "",
) -> ImportJob:
    """Record an upload or pasted text; small ones parse now, large ones in Celery."""
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
    )
    if job.source_size > settings.WORKPLAN_SYNC_PARSE_MAX_BYTES:
        transaction.on_commit(lambda: _enqueue_parse(job.pk))
    else:
        import_job_parse(job_id=job.pk)
        job.refresh_from_db()
    return job


def _enqueue_parse(job_id: int) -> None:
    from kombu.exceptions import OperationalError

    from tasks_app.tasks import import_job_parse_task

    try:
        import_job_parse_task.delay(job_id)
    except OperationalError:
        # The broker is down: parse here rather than leave the job waiting for nobody.
        logger.exception("could not queue the parse of import job %s; parsing inline", job_id)
        import_job_parse(job_id=job_id)


def too_big_message(size: int) -> str:
    limit = max_upload_bytes() // (1024 * 1024)
    return f"文件过大({size / 1024 / 1024:.1f} MB),上限为 {limit} MB。请拆分后再上传。"


def import_job_parse(*, job_id: int) -> ImportJob:
    """Parse the job's document, recording progress, the outline or the error."""
    from tasks_app.parsing import ParseError, parse_document, parse_text
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
                outline = parse_document(data, job.source_name)
            else:  # plain text: keep it, so the plan shows the document it came from
                job.source_text = decode_text(data)
                outline = parse_text(job.source_text)
        else:
            outline = parse_text(job.source_text)
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
        if user.role != User.Role.COORDINATOR or user.region is None:
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
    job.outline, job.mapping = outline, {k: v for k, v in mapping.items() if v}
    job.save(update_fields=["outline", "mapping", "updated_at"])
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, user: User, period_end: dt.date | None = None):
    """Create the plan from the reviewed outline; the job then points at it."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status == ImportJob.Status.IMPORTED:
        raise ApplicationError("该文件已导入,不能重复导入。")
    if job.status != ImportJob.Status.PARSED:
        raise ApplicationError("文件尚未解析成功,不能导入。")
    result = workplan_import(
        outline=job.outline,
        region=job.region,
        user=user,
        mapping=job.mapping,
        period_end=period_end,
        source_name=job.source_name,
        source_text=job.source_text,
    )
    job.plan, job.status = result.plan, ImportJob.Status.IMPORTED
    job.save(update_fields=["plan", "status", "updated_at"])
    return result


# --- what the review page shows -------------------------------------------------------------


@dataclass
class NameStatus:
    name: str
    target: Target | None
    mapped: str  # the coordinator's choice, if any
    ambiguous: bool
    suggestions: list[Target]


@dataclass
class ImportPreview:
    names: list[NameStatus]
    assignments_by_ref: dict[str, int]
    unassigned: list[str]
    covered_by: dict[str, str]  # sub-item → the tracked ancestor whose content it is
    due_by_ref: dict[str, str]  # the tracking due date each row would get (ISO)

    @property
    def unresolved(self) -> list[NameStatus]:
        return [n for n in self.names if n.target is None and not n.mapped]

    @property
    def total_assignments(self) -> int:
        return sum(self.assignments_by_ref.values())


def import_preview(*, region: Region, outline: dict, mapping: dict[str, str]) -> ImportPreview:
    """Names with what they resolve to (or suggestions), and assignments per tracked row."""
    from regions.selectors import directory_resolve_names, directory_suggestions

    names = outline_names(outline)
    resolved = directory_resolve_names(region=region, names=names)
    mapping = {normalize_name(k): v for k, v in mapping.items() if v}
    missing = [n for n in names if not resolved[n].is_resolved]
    suggestions = directory_suggestions(region=region, names=missing)
    statuses = [
        NameStatus(
            name=n,
            target=resolved[n].unit or resolved[n].group,
            mapped=mapping.get(n, ""),
            ambiguous=resolved[n].is_ambiguous,
            suggestions=list(resolved[n].candidates)
            if resolved[n].is_ambiguous
            else suggestions.get(n, []),
        )
        for n in names
    ]
    groups = [s.target for s in statuses if isinstance(s.target, UnitGroup)]
    members = unit_groups_members(groups=groups)
    by_name = {s.name: s for s in statuses}
    tracked, unassigned = tracked_units(outline.get("tasks", []))
    counts = {}
    for ref, entries in tracked.items():
        units: set = set()
        for entry in entries:
            status = by_name[normalize_name(entry["name"])]
            if isinstance(status.target, UnitGroup):
                units |= {u.pk for u in members[status.target.pk]}
            elif status.target is not None:
                units.add(status.target.pk)
            elif status.mapped:
                mapped = status.mapped
                units.add(int(mapped[5:]) if mapped.startswith("unit:") else mapped)
        counts[ref] = len(units)
    covered, due = {}, {}
    end = (outline.get("period") or {}).get("end") or ""
    for task in outline.get("tasks", []):
        ref = task["ref"]
        parent = ref.rsplit("/", 1)[0] if "/" in ref else None
        due[ref] = task.get("deadline") or (due[parent] if parent else end)
        if ref not in tracked and ref not in unassigned and parent:
            covered[ref] = parent if parent in tracked else covered.get(parent, "")
    covered = {ref: anc for ref, anc in covered.items() if anc}
    return ImportPreview(
        names=statuses,
        assignments_by_ref=counts,
        unassigned=unassigned,
        covered_by=covered,
        due_by_ref=due,
    )

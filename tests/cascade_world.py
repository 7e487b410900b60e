"""Three levels for the cascade (分解下达) tests (tests/test_cascade.py, test_cascade_matrix.py):
江岭省 with two cities, 云川市 and 岚溪市, a user of every kind on each level, and a province
plan that gives an item to 各市人民政府. `split_child` makes 云川市's child plan;
`yunchuan_side` fills it with one object of every kind the admin registers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque

import time_machine
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ForeignKey
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator

from core.admin import ScopedAdmin, visible
from regions.models import Region, Unit, UnitContact
from regions.services import regions_load_csv, units_load_csv, user_upsert
from tasks_app.models import Assignment, WorkPlan
from tasks_app.parsing import parse_text
from tasks_app.services.cascade import SplitItem, incoming_decompose
from tasks_app.services.imports import workplan_import

ON = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)

REGION_ROWS = [
    ("990000", "江岭省"),
    ("990100", "云川市"),
    ("990102", "云湖区"),
    ("990121", "白沙县"),
    ("990200", "岚溪市"),
    ("990202", "岚城区"),
]
UNIT_ROWS = [
    ("990000", "省财政厅", "department"),
    ("990100", "云川市政府", "government"),
    ("990100", "市财政局", "department"),
    ("990200", "岚溪市政府", "government"),
    ("990200", "市财政局", "department"),
]
PROVINCE_PLAN = (
    "江岭省2026年政务公开工作要点\n一、推进公开\n"
    "(一)推进预算决算公开。10月底前完成。(省财政厅牵头,各市人民政府负责落实)\n"
    "(二)完善公开目录。(省财政厅负责落实)\n"
)
PDF = b"%PDF-1.4\n%m\n%%EOF\n"


class Levels:
    """Named users, units and the province plan; attributes are set by `build_levels`."""


def build_levels() -> Levels:
    regions = "code,name\n" + "".join(f"{c},{n}\n" for c, n in REGION_ROWS)
    regions_load_csv(data=regions.encode(), governments=True, groups=True)
    units = "region_code,short_name,full_name,kind,aliases\n" + "".join(
        f"{r},{s},,{k},\n" for r, s, k in UNIT_ROWS
    )
    units_load_csv(data=units.encode())
    w = Levels()
    region = {code: Region.objects.get(code=code) for code, _ in REGION_ROWS}

    def make(name, role, **where):
        return user_upsert(
            username=name, password="pw-123456", role=role, display_name=name, **where
        )

    w.province = make("prov", "coordinator", region=region["990000"])
    w.province_leader = make("prov-leader", "leader", region=region["990000"])
    w.city = make("yc", "coordinator", region=region["990100"])
    w.city_leader = make("yc-leader", "leader", region=region["990100"])
    w.other_city = make("lx", "coordinator", region=region["990200"])
    w.county_unit = Unit.objects.get(short_name="云湖区政府")
    w.county = make("yunhu", "unit_user", unit=w.county_unit)
    w.dept_unit = Unit.objects.get(region=region["990100"], short_name="市财政局")
    w.dept = make("yc-czj", "unit_user", unit=w.dept_unit)
    w.other_county = make("lancheng", "unit_user", unit=Unit.objects.get(short_name="岚城区政府"))
    with time_machine.travel(ON, tick=False):
        w.plan = workplan_import(
            outline=parse_text(PROVINCE_PLAN), region=region["990000"], user=w.province
        ).plan
    w.parent = Assignment.objects.get(task__plan=w.plan, unit__short_name="云川市政府")
    w.other_parent = Assignment.objects.get(task__plan=w.plan, unit__short_name="岚溪市政府")
    return w


def split_child(w: Levels) -> WorkPlan:
    """云川市's coordinator splits the province's item: one task for 云湖区, one for 市财政局."""
    with time_machine.travel(ON, tick=False):
        result = incoming_decompose(
            user=w.city,
            assignment_id=w.parent.pk,
            items=[
                SplitItem(title="县区预算公开", unit_ids=[w.county_unit.pk]),
                SplitItem(
                    title="市级部门预算公开",
                    lead_unit_id=w.dept_unit.pk,
                    due_date=dt.date(2026, 9, 30),
                ),
            ],
        )
    return result.plan


# Words only 云川市's side has: none of them may reach anyone of 岚溪市.
YUNCHUAN_WORDS = [
    "云川市",
    "云湖区",
    "县区预算公开",
    "市级部门预算公开",
    "云川进展甲",
    "云川办结乙",
    "云川延期丙",
    "云川留言丁",
    "云川办结戊",
]


def yunchuan_side(w: Levels) -> dict:
    """云川市's child plan with an object of every kind: the county's item signed, with a
    progress report and its file, a pending extension request and a pending completion
    claim; 市财政局's item done (its claim accepted); a comment; and the notices, reminders,
    mails, bulletin, webhook and contact a city has. Returns the ids, by the names the route
    matrices use."""
    from hooks.models import Endpoint, WebhookDelivery
    from notify.models import Delivery, Digest, MailLog, Notice, Notification, Reminder
    from notify.services.comments import comment_create
    from reporting.models import AssessmentScheme, Bulletin, ExportJob
    from tasks_app.models import ImportJob
    from tasks_app.services import assignments as svc
    from tasks_app.services.assignments import assignments_chase

    child = split_child(w)
    item = Assignment.objects.get(task__plan=child, unit=w.county_unit)
    svc.assignment_sign(user=w.county, assignment_id=item.pk)
    report = svc.report_create(
        user=w.county,
        assignment_id=item.pk,
        text="云川进展甲",
        progress=30,
        files=[SimpleUploadedFile("yc.pdf", PDF)],
    )
    extension = svc.extension_request_create(
        user=w.county,
        assignment_id=item.pk,
        requested_due_date=item.due_date + dt.timedelta(days=30),
        reason="云川延期丙",
    )
    claim = svc.report_create(
        user=w.county, assignment_id=item.pk, text="云川办结乙", progress=100, completion=True
    )
    # 市财政局's item done: an accepted claim (one the public page could show)
    done = Assignment.objects.get(task__plan=child, unit=w.dept_unit)
    svc.assignment_sign(user=w.dept, assignment_id=done.pk)
    accepted = svc.report_create(
        user=w.dept, assignment_id=done.pk, text="云川办结戊", progress=100, completion=True
    )
    svc.report_review(user=w.city, report_id=accepted.pk, accept=True)
    comment_create(user=w.city, assignment_id=item.pk, text="云川留言丁")
    assignments_chase(user=w.city, assignment_ids=[item.pk], message="请加快")
    notice = Notice.objects.filter(assignment=item).order_by("pk").first()
    region = child.region
    Reminder.objects.create(
        assignment=item,
        kind="before_due",
        scheduled_for=dt.date(2026, 10, 20),
        unit=item.unit,
        due_date=item.due_date,
    )
    Digest.objects.create(kind="unit_weekly", unit=item.unit, scheduled_for=dt.date(2026, 3, 16))
    MailLog.objects.create(
        region=region, kind="before_due", recipients="y@example.org", subject="s", body="b"
    )
    Delivery.objects.create(notice=notice, channel="email", address="y@example.org")
    job = ImportJob.objects.create(
        region=region, created_by=w.city, source_text="一、x", status="failed"
    )
    bulletin = Bulletin.objects.create(
        plan=child,
        title=f"{child.title}通报",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
    )
    AssessmentScheme.objects.create(region=region, year=2026)
    endpoint = Endpoint.objects.create(
        region=region, url="https://93.184.215.14/yc-hook", secret="s", events=[]
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event="test", payload={"event": "test"})
    UnitContact.objects.create(unit=w.dept_unit, name="云川联络人", email="yc@example.org")
    export = ExportJob.objects.create(user=w.city, plan=child, format="csv")
    return {
        "child": child,
        "item": item,
        "a": item.pk,
        "evidence": report.evidence.get().pk,
        "report": report.pk,
        "claim": claim.pk,
        "accepted": accepted.pk,
        "extension": extension.pk,
        "notification": Notification.objects.filter(notice__assignment=item).first().pk,
        "plan": child.pk,
        "other_plan": child.pk,
        "region": region.pk,
        "czj": w.dept.pk,
        "bulletin": bulletin.pk,
        "export": export.pk,
        "import_job": job.pk,
    }


# --- the registries, walked ------------------------------------------------------------

# National data, the same for every region (tests/test_admin_access.py has its own matrix)
NATIONAL = {"tasks_app.HolidayYear"}
SCOPED = sorted(
    (
        m
        for m, a in admin.site._registry.items()
        if isinstance(a, ScopedAdmin) and m._meta.label not in NATIONAL
    ),
    key=lambda m: m._meta.label,
)


def as_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def yunchuan_objects(w, model) -> list:
    """云川市's side of a model: what its coordinator sees of it in the admin."""
    return list(visible(admin.site, as_request(w.city), model).order_by("pk"))


def plan_path(model) -> str | None:
    """The shortest lookup from a model to the plan it belongs to, through foreign keys
    (not through a plan's own item from above); None for a model outside any plan."""
    if model is WorkPlan:
        return "pk"
    queue, seen = deque([(model, "")]), {model}
    while queue:
        current, path = queue.popleft()
        if path.count("__") >= 4:
            continue
        for field in current._meta.get_fields():
            if not isinstance(field, ForeignKey) or field.name == "parent_assignment":
                continue
            lookup = f"{path}__{field.name}" if path else field.name
            if field.related_model is WorkPlan:
                return lookup
            if field.related_model not in seen:
                seen.add(field.related_model)
                queue.append((field.related_model, lookup))
    return None


def child_plan_objects(w, model) -> list:
    path = plan_path(model)
    if path is None:
        return []
    child = w.ids["child"]
    inside = set(model.objects.filter(**{path: child.pk}).values_list("pk", flat=True))
    return [o for o in yunchuan_objects(w, model) if o.pk in inside]


BUTTON = re.compile(
    r'<(?:input|button)[^>]*type="submit"[^>]*name="(\w+)"|name="(\w+)"[^>]*type="submit"'
)


def buttons(html: str) -> set[str]:
    """The named submit buttons of a page's content (the sidebar's links aside)."""
    content = html.split('id="content"', 1)[-1]
    return {a or b for a, b in BUTTON.findall(content)}


def list_endpoints() -> list[tuple[str, list[str]]]:
    """Every GET of the schema without a path parameter, with its query parameters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        params = (get or {}).get("parameters", [])
        if get and not any(p["in"] == "path" for p in params):
            found.append((path, [p["name"] for p in params if p["in"] == "query"]))
    return found

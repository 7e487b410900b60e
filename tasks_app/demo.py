"""The demo: directories, role groups, one login per kind of user, and a sample plan.

The sample plan is a document we wrote for a fictional city, 云川市 (region codes under
the unused prefix 99), so the demo users work on it; the real Taiyuan directory is loaded
too, with its own coordinator, for importing the Taiyuan notice by hand. Above the city is
the fictional province 江岭省 (云川市 and a second city, 岚溪市): its coordinator has
imported a provincial plan of ours that names 各市人民政府 and 省直各部门, so both city
governments hold the province's items.

Passwords are random on first creation and kept in VAR_DIR/demo-logins.json (git-ignored),
so a demo database never ships with a guessable password and every run prints the same ones.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from importlib import resources

from django.conf import settings
from django.db import transaction

from regions.models import Region, Unit, User
from regions.selectors import directory_resolve_name
from regions.services import (
    directory_load_bundled,
    roles_setup,
    unit_contacts_create_placeholder,
    user_upsert,
)
from tasks_app.models import Assignment, WorkPlan
from tasks_app.parsing import parse_text
from tasks_app.services import assignments as services
from tasks_app.services.cascade import SplitItem, incoming_decompose
from tasks_app.services.imports import ImportResult, workplan_import

DEMO_CITY = "990100"
SAMPLE_DOC_NUMBER = "云政办发〔2026〕12号"
DEMO_PROVINCE = "990000"
PROVINCE_SAMPLE_FILE = "sample_province_workplan.txt"
PROVINCE_SAMPLE_DOC_NUMBER = "江政办发〔2026〕5号"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    description: str


_DEMO_USERS = [
    # username, role, display name, unit name or region code, description
    ("coordinator", User.Role.COORDINATOR, "市政务公开办", DEMO_CITY, "协调员(云川市政务公开办)"),
    ("leader", User.Role.LEADER, "分管领导", DEMO_CITY, "领导(只读)"),
    ("fgw", User.Role.UNIT_USER, "市发展改革委联络员", "市发展改革委", "部门用户(市发展改革委)"),
    ("yunhu", User.Role.UNIT_USER, "云湖区联络员", "云湖区政府", "县区用户(云湖区政府)"),
    (
        "taiyuan",
        User.Role.COORDINATOR,
        "太原市政务公开办",
        "140100",
        "协调员(太原市,可导入太原通知)",
    ),
    (
        "province",
        User.Role.COORDINATOR,
        "省政务公开办",
        DEMO_PROVINCE,
        "协调员(江岭省政务公开办,上级)",
    ),
    ("lanxi", User.Role.COORDINATOR, "岚溪市政务公开办", "990200", "协调员(岚溪市政务公开办)"),
]


def sample_text(name: str = "sample_workplan.txt") -> str:
    return resources.files("tasks_app").joinpath("data", name).read_text("utf-8")


def sample_plan_import(*, user: User | None) -> ImportResult | None:
    """Import the sample plan into the demo city once; None when it is already there."""
    city = Region.objects.get(code=DEMO_CITY)
    if WorkPlan.objects.filter(region=city, doc_number=SAMPLE_DOC_NUMBER).exists():
        return None
    return workplan_import(
        outline=parse_text(sample_text()),
        region=city,
        user=user,
        source_name="sample_workplan.txt",
        source_text=sample_text(),
    )


def province_plan_import(*, user: User | None) -> ImportResult | None:
    """Import the province's sample plan into 江岭省 once; None when it is already there."""
    province = Region.objects.get(code=DEMO_PROVINCE)
    if WorkPlan.objects.filter(region=province, doc_number=PROVINCE_SAMPLE_DOC_NUMBER).exists():
        return None
    text = sample_text(PROVINCE_SAMPLE_FILE)
    return workplan_import(
        outline=parse_text(text),
        region=province,
        user=user,
        source_name=PROVINCE_SAMPLE_FILE,
        source_text=text,
    )


def demo_activity(users: dict[str, User]) -> None:
    """A few weeks of work, done through the services: so that both sides have something
    to look at: signed items, a report with a link, a claim in the coordinator's review
    queue, an extension request waiting for a decision."""
    fgw, yunhu = users["fgw"], users["yunhu"]
    mine = list(
        Assignment.objects.filter(unit=fgw.unit, task__plan__doc_number=SAMPLE_DOC_NUMBER).order_by(
            "due_date", "id"
        )
    )
    for assignment in mine[:3]:
        services.assignment_sign(user=fgw, assignment_id=assignment.pk)
    services.report_create(
        user=fgw,
        assignment_id=mine[0].pk,
        text="惠企政策专栏已上线,首批梳理政策 126 条,其余按月更新。",
        progress=70,
        links=["https://www.example.gov.cn/hqzc/"],
    )
    services.report_create(
        user=fgw,
        assignment_id=mine[1].pk,
        text="已按要求全部完成,公开情况见政府网站专栏。",
        progress=100,
        completion=True,
    )
    # a few counties have finished some items, so the progress pages show a spread
    coordinator = users["coordinator"]
    county_governments = Unit.objects.filter(
        kind=Unit.Kind.GOVERNMENT, region__parent__code=DEMO_CITY
    ).order_by("region__code")
    for done_count, unit in zip((3, 2, 1), county_governments[1:4], strict=False):
        worker = user_upsert(
            username=f"demo-{unit.region.code}",
            password=secrets.token_urlsafe(12),
            role=User.Role.UNIT_USER,
            display_name=f"{unit.region.name}联络员",
            unit=unit,
        )
        items = Assignment.objects.filter(unit=unit, task__plan__doc_number=SAMPLE_DOC_NUMBER)
        for assignment in items.order_by("due_date", "id")[:done_count]:
            services.assignment_sign(user=worker, assignment_id=assignment.pk)
            claim = services.report_create(
                user=worker,
                assignment_id=assignment.pk,
                text="已按要求完成。",
                progress=100,
                completion=True,
            )
            services.report_review(user=coordinator, report_id=claim.pk, accept=True)
    theirs = Assignment.objects.filter(
        unit=yunhu.unit, task__plan__doc_number=SAMPLE_DOC_NUMBER
    ).order_by("due_date", "id")
    first = theirs.first()
    services.assignment_sign(user=yunhu, assignment_id=first.pk)
    services.extension_request_create(
        user=yunhu,
        assignment_id=first.pk,
        requested_due_date=first.due_date + dt.timedelta(days=60),
        reason="需等待市级平台完成升级后才能迁移。",
    )


def demo_cascade(users: dict[str, User]) -> None:
    """分解下达 in the demo: 云川市's office receives the province's first item for 云川市政府
    and splits it among its units; 云湖区 finishes its part, so the province sees the child
    plan at 1 of 3; the city's other items from above wait in its 待办."""
    coordinator, yunhu = users["coordinator"], users["yunhu"]
    parent = (
        Assignment.objects.filter(
            task__plan__doc_number=PROVINCE_SAMPLE_DOC_NUMBER, unit__region__code=DEMO_CITY
        )
        .order_by("task__position")
        .first()
    )
    city_unit = Unit.objects.filter(region__code=DEMO_CITY)
    fgw, czj = city_unit.get(short_name="市发展改革委"), city_unit.get(short_name="市财政局")
    counties = list(
        Unit.objects.filter(kind=Unit.Kind.GOVERNMENT, region__parent__code=DEMO_CITY).order_by(
            "region__code"
        )[:2]
    )
    result = incoming_decompose(
        user=coordinator,
        assignment_id=parent.pk,
        items=[
            SplitItem(
                title="梳理市级现行有效惠企政策,在市政府门户网站专区集中公开",
                lead_unit_id=fgw.pk,
                unit_ids=[czj.pk],
            ),
            SplitItem(
                title="各县(市、区)在本级政府网站开设惠企政策专栏",
                unit_ids=[unit.pk for unit in counties],
            ),
        ],
    )
    theirs = Assignment.objects.get(task__plan=result.plan, unit=yunhu.unit)
    services.assignment_sign(user=yunhu, assignment_id=theirs.pk)
    claim = services.report_create(
        user=yunhu,
        assignment_id=theirs.pk,
        text="云湖区政府网站惠企政策专栏已上线,公开政策 38 条。",
        progress=100,
        completion=True,
        links=["https://www.example.gov.cn/yunhu/hqzc/"],
    )
    services.report_review(user=coordinator, report_id=claim.pk, accept=True)


def demo_load() -> list[DemoLogin]:
    logins, users, imported, province_imported = _demo_setup()
    if imported:
        # through the services, each its own (durable) transaction, as users would
        demo_activity(users)
    if province_imported:
        demo_cascade(users)
    return logins


@transaction.atomic
def _demo_setup() -> tuple[list[DemoLogin], dict[str, User], bool, bool]:
    directory_load_bundled("taiyuan")
    directory_load_bundled("jiangling")  # the province, with yunchuan (云川市) and 岚溪市
    unit_contacts_create_placeholder(units=Unit.objects.all())  # every demo unit is reachable
    roles_setup()
    path = settings.VAR_DIR / "demo-logins.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    city = Region.objects.get(code=DEMO_CITY)
    logins, users = [], {}
    for username, role, name, target, description in _DEMO_USERS:
        password = stored.get(username) or secrets.token_urlsafe(9)
        if role == User.Role.UNIT_USER:
            unit = directory_resolve_name(region=city, name=target).unit
            users[username] = user_upsert(
                username=username, password=password, role=role, display_name=name, unit=unit
            )
        else:
            region = Region.objects.get(code=target)
            users[username] = user_upsert(
                username=username, password=password, role=role, display_name=name, region=region
            )
        logins.append(DemoLogin(username, password, description))
    imported = sample_plan_import(user=users["coordinator"]) is not None
    province_imported = province_plan_import(user=users["province"]) is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({login.username: login.password for login in logins}, indent=2))
    path.chmod(0o600)
    return logins, users, imported, province_imported

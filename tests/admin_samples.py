"""Two cities' worth of objects, one of every model the admin registers, for the generated
admin permission matrix (tests/test_admin_access.py).

`mine` objects belong to 太原市 itself (seen by its coordinator and leader, not by the
coordinator of 小店区 below it); `theirs` to 别市, another city. A model registered in the
admin without an entry in SAMPLES fails the matrix: new models are covered by construction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser

from hooks.models import Endpoint, WebhookDelivery
from notify.models import Delivery, Digest, MailLog, Notice, Reminder
from regions.models import Region, Unit, UnitContact, UnitGroup, User
from regions.services import user_upsert
from reporting.models import AssessmentScheme, Bulletin
from tasks_app.models import Assignment, ExtensionRequest, ImportJob, ProgressReport, Task, WorkPlan

OTHER_PLAN = "别市2026年政务公开工作要点\n一、加强公开\n(一)公开预算。(别市财政局负责落实)\n"


@dataclass
class Side:
    region: Region
    unit: Unit
    user: User
    coordinator: User
    plan: WorkPlan
    assignment: Assignment


def build_other_city(world) -> Side:
    """别市 (990100, the world's "elsewhere"), with a county, a department, a unit user and a
    plan of its own, its unit having reported and asked for more time."""
    from tasks_app.parsing import parse_text
    from tasks_app.services.imports import workplan_import

    city = Region.objects.get(code="990100")
    county = Region.objects.create(code="990101", name="别县", level="county", parent=city)
    Unit.objects.create(region=county, short_name="别县政府", kind="government")
    department = Unit.objects.create(region=city, short_name="别市财政局", kind="department")
    UnitGroup.objects.create(region=city, name="别市直各部门", rule="departments")
    user = user_upsert(username="bie_czj", password="pw-123456", role="unit_user", unit=department)
    plan = workplan_import(
        outline=parse_text(OTHER_PLAN), region=city, user=world.other_coordinator
    ).plan
    assignment = Assignment.objects.get(task__plan=plan)
    _activity(assignment, user)
    return Side(city, department, user, world.other_coordinator, plan, assignment)


def _activity(assignment: Assignment, user: User) -> None:
    from tasks_app.services import assignments as svc

    svc.assignment_sign(user=user, assignment_id=assignment.pk)
    svc.report_create(user=user, assignment_id=assignment.pk, text="进展", progress=30)
    svc.extension_request_create(
        user=user,
        assignment_id=assignment.pk,
        requested_due_date=assignment.due_date + dt.timedelta(days=30),
        reason="需要协调",
    )
    Reminder.objects.create(
        assignment=assignment,
        kind="before_due",
        scheduled_for=dt.date(2026, 11, 20),
        unit=assignment.unit,
        due_date=assignment.due_date,
    )
    Digest.objects.create(
        kind="unit_weekly", unit=assignment.unit, scheduled_for=dt.date(2026, 11, 16)
    )
    plan = assignment.task.plan
    MailLog.objects.create(
        region=plan.region, kind="before_due", recipients="x@example.org", subject="s", body="b"
    )
    notice = Notice.objects.create(
        event="chased",
        region=plan.region,
        unit=assignment.unit,
        assignment=assignment,
        title="催办",
        text="请抓紧办理",
        link=f"/tasks/{assignment.pk}/",
    )
    Delivery.objects.create(notice=notice, channel="email", address="x@example.org")
    ImportJob.objects.create(
        region=plan.region, created_by=plan.created_by, source_text="一、x", status="failed"
    )
    Bulletin.objects.create(
        plan=plan,
        title=f"{plan.title}通报",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
    )
    AssessmentScheme.objects.create(region=plan.region, year=2026)
    # a public address literal (no DNS), subscribed to nothing: no test sends to it
    endpoint = Endpoint.objects.create(
        region=plan.region, url="https://93.184.215.14/hook", secret="s", events=[]
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event="test", payload={"event": "test"})


def build_samples(world) -> dict[type, tuple[object, object]]:
    """model → (mine, theirs)."""
    _activity(world.czj_own, world.czj)
    other = build_other_city(world)
    mine = Side(
        world.region, world.czj_unit, world.czj, world.coordinator, world.plan, world.czj_own
    )

    def pair(model, **of_side):
        return tuple(
            model.objects.filter(**{k: v(side) for k, v in of_side.items()}).order_by("pk").first()
            for side in (mine, other)
        )

    for side in (mine, other):
        UnitContact.objects.create(unit=side.unit, name="联络人", email="contact@example.org")
    samples = {
        Region: (mine.region, other.region),
        UnitContact: pair(UnitContact, unit=lambda s: s.unit),
        Unit: (mine.unit, other.unit),
        UnitGroup: pair(UnitGroup, region=lambda s: s.region),
        User: (mine.user, other.user),
        WorkPlan: (mine.plan, other.plan),
        Task: (mine.assignment.task, other.assignment.task),
        Assignment: (mine.assignment, other.assignment),
        ProgressReport: pair(ProgressReport, assignment=lambda s: s.assignment),
        ExtensionRequest: pair(ExtensionRequest, assignment=lambda s: s.assignment),
        ImportJob: pair(ImportJob, region=lambda s: s.region),
        Reminder: pair(Reminder, assignment=lambda s: s.assignment),
        Digest: pair(Digest, unit=lambda s: s.unit),
        MailLog: pair(MailLog, region=lambda s: s.region),
        Notice: pair(Notice, region=lambda s: s.region),
        Delivery: pair(Delivery, notice__region=lambda s: s.region),
        Bulletin: pair(Bulletin, plan=lambda s: s.plan),
        AssessmentScheme: pair(AssessmentScheme, region=lambda s: s.region),
        Endpoint: pair(Endpoint, region=lambda s: s.region),
        WebhookDelivery: pair(WebhookDelivery, endpoint__region=lambda s: s.region),
    }
    assert all(m is not None and t is not None for m, t in samples.values()), samples
    return samples


class FormFields(HTMLParser):
    """The fields a browser would post from the admin's change or add form."""

    def __init__(self, form_id_suffix: str = "_form") -> None:
        super().__init__()
        self.suffix = form_id_suffix
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith(self.suffix):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(
                a.get("value", "on" if kind == "checkbox" else "")
            )
        elif tag == "select" and name:
            self._select, self._options = name, []
            self.data.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected]
            self.data[self._select] = chosen
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            value = self.data[self._textarea][0]  # a browser drops the first newline
            self.data[self._textarea][0] = value[1:] if value.startswith("\n") else value
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self.data[self._textarea][0] += data


def form_data(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.data

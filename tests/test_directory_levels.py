"""Directories of more than one level: a province above its cities, each city above its
counties. Every region below another gets its government unit, so the collective name of
the level above (各市人民政府, 各县(市、区)人民政府) stands for exactly its children's
governments; the bundled fictional province 江岭省 and its sample plan show it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from regions.models import Alias, Region, Unit, UnitGroup, User
from regions.selectors import directory_resolve_name, unit_group_members
from tasks_app.demo import (
    PROVINCE_SAMPLE_DOC_NUMBER,
    PROVINCE_SAMPLE_FILE,
    demo_load,
    sample_text,
)
from tasks_app.models import Assignment, Task, WorkPlan
from tasks_app.parsing import parse_text
from tasks_app.services.imports import workplan_import

PROVINCE_DEPARTMENTS = {
    "省政府办公厅",
    "省发展改革委",
    "省教育厅",
    "省公安厅",
    "省民政厅",
    "省司法厅",
    "省财政厅",
    "省人力资源社会保障厅",
    "省自然资源厅",
    "省生态环境厅",
    "省住房城乡建设厅",
    "省交通运输厅",
    "省农业农村厅",
    "省卫生健康委",
    "省应急管理厅",
    "省市场监管局",
    "省医保局",
    "省政务服务管理局",
    "省数据局",
}
CITY_GOVERNMENTS = {"云川市政府", "岚溪市政府"}


def _load_jiangling() -> str:
    out = StringIO()
    call_command("load_regions", "--bundled", "jiangling", stdout=out)
    return out.getvalue()


@pytest.fixture
def province(db) -> Region:
    _load_jiangling()
    return Region.objects.get(code="990000")


def _members(region: Region, name: str) -> set[str]:
    group = directory_resolve_name(region=region, name=name).group
    assert group is not None, name
    return set(unit_group_members(group=group).values_list("short_name", flat=True))


def _directory_snapshot() -> tuple:
    return (
        sorted(Region.objects.values_list("code", "name", "level", "parent__code")),
        sorted(Unit.objects.values_list("region__code", "short_name", "full_name", "kind")),
        sorted(UnitGroup.objects.values_list("region__code", "name", "rule")),
        sorted(Alias.objects.values_list("name", "unit__short_name", "group__name")),
    )


def test_load_regions_bundled_jiangling_loads_the_province_its_two_cities_and_yunchuan(db):
    assert "jiangling" in _load_jiangling()
    province = Region.objects.get(code="990000")
    assert province.level == Region.Level.PROVINCE and province.parent is None
    cities = Region.objects.filter(parent=province).order_by("code")
    assert [(c.code, c.name) for c in cities] == [("990100", "云川市"), ("990200", "岚溪市")]
    assert set(Region.objects.filter(parent__code="990200").values_list("name", flat=True)) == {
        "岚东区",
        "松涧区",
        "青禾县",
    }
    # yunchuan came along: 云川市's departments and counties
    assert Unit.objects.filter(region__code="990100", short_name="市发展改革委").exists()
    assert Region.objects.filter(parent__code="990100").count() == 6
    # a province is not below anything in the directory: it has no government unit
    assert not Unit.objects.filter(region=province, kind=Unit.Kind.GOVERNMENT).exists()


def test_a_city_under_its_province_gets_its_government_with_the_names_documents_use(province):
    unit = Unit.objects.get(region__code="990200", kind=Unit.Kind.GOVERNMENT)
    assert unit.short_name == "岚溪市政府"
    assert unit.full_name == "江岭省岚溪市人民政府"
    for name in ("岚溪市政府", "江岭省岚溪市人民政府", "岚溪市人民政府", "岚溪市"):
        assert directory_resolve_name(region=province, name=name).unit == unit, name


def test_a_citys_government_comes_after_the_departments_its_unit_list_orders(province):
    """The government is made with the region, before the unit list is loaded: the list's
    order is still the directory's, the units it does not list (the government) after it."""
    lanxi = list(Unit.objects.filter(region__code="990200").values_list("short_name", flat=True))
    assert lanxi[:3] == ["市政府办公室", "市发展改革委", "市教育局"]
    assert lanxi[-1] == "岚溪市政府" and len(lanxi) == 12
    yunchuan = list(Unit.objects.filter(region__code="990100").values_list("short_name", flat=True))
    assert yunchuan[0] == "市政府办公室" and yunchuan[-1] == "云川市政府"


def test_the_provinces_collective_names_stand_for_its_cities_and_its_departments(province):
    assert _members(province, "各市人民政府") == CITY_GOVERNMENTS
    assert _members(province, "各市(州)人民政府") == CITY_GOVERNMENTS
    assert _members(province, "省直各部门") == PROVINCE_DEPARTMENTS
    assert _members(province, "省政府各部门") == PROVINCE_DEPARTMENTS


def test_each_citys_county_governments_are_its_own_counties_only(province):
    yunchuan = Region.objects.get(code="990100")
    lanxi = Region.objects.get(code="990200")
    assert _members(lanxi, "各县(市、区)人民政府") == {"岚东区政府", "松涧区政府", "青禾县政府"}
    assert _members(yunchuan, "各县(市、区)人民政府") == {
        "云湖区政府",
        "青溪区政府",
        "望岳区政府",
        "白沙县政府",
        "石门县政府",
        "梅岭市政府",
    }
    # a city's own departments, not the province's nor its own government
    assert _members(lanxi, "市直各部门") == set(
        Unit.objects.filter(region=lanxi, kind=Unit.Kind.DEPARTMENT).values_list(
            "short_name", flat=True
        )
    )
    assert "岚溪市政府" not in _members(lanxi, "市直各部门")
    assert len(_members(lanxi, "市直各部门")) == 11


def test_loading_again_changes_nothing(province):
    before = _directory_snapshot()
    _load_jiangling()
    call_command("load_regions", "--bundled", "yunchuan", stdout=StringIO())
    _load_jiangling()
    assert _directory_snapshot() == before
    assert Unit.objects.filter(short_name__in=CITY_GOVERNMENTS).count() == 2


def test_load_regions_wants_exactly_one_of_a_file_and_a_bundle(db, tmp_path):
    with pytest.raises(CommandError, match="二者选一"):
        call_command("load_regions", stdout=StringIO())
    path = tmp_path / "regions.csv"
    path.write_text("code,name\n990000,江岭省\n", encoding="utf-8")
    with pytest.raises(CommandError, match="二者选一"):
        call_command("load_regions", str(path), "--bundled", "jiangling", stdout=StringIO())
    assert not Region.objects.exists()
    with pytest.raises(CommandError):
        call_command("load_regions", "--bundled", "atlantis", stdout=StringIO())


def test_the_province_sample_plan_parses_and_imports_to_both_city_governments(province):
    text = sample_text(PROVINCE_SAMPLE_FILE)
    outline = parse_text(text)
    assert outline["doc_number"] == PROVINCE_SAMPLE_DOC_NUMBER
    assert outline["issuer"] == "江岭省人民政府办公厅"
    names = {u["name"] for t in outline["tasks"] for u in t["units"]}
    resolved = {name: directory_resolve_name(region=province, name=name) for name in names}
    assert [name for name, r in resolved.items() if not r.is_resolved] == []

    result = workplan_import(
        outline=outline, region=province, user=None, source_name=PROVINCE_SAMPLE_FILE
    )
    assert result.unassigned == ["一"]  # 总体要求: a preamble, no unit named
    plan = result.plan
    naming_cities = [
        t["ref"] for t in outline["tasks"] if any(u["name"] == "各市人民政府" for u in t["units"])
    ]
    assert len(naming_cities) == 6
    to_cities = Assignment.objects.filter(
        task__plan=plan, unit__short_name__in=CITY_GOVERNMENTS
    ).values_list("unit__short_name", "task__ref")
    assert sorted(to_cities) == sorted((g, ref) for g in CITY_GOVERNMENTS for ref in naming_cities)
    assert len(to_cities) == 12
    # 省直各部门 (two items) reaches every province department and nothing else
    on_all = Task.objects.get(plan=plan, ref="四/(七)")
    assert set(
        Assignment.objects.filter(task=on_all).values_list("unit__short_name", flat=True)
    ) == (PROVINCE_DEPARTMENTS | CITY_GOVERNMENTS)
    assert not Assignment.objects.filter(task__plan=plan, unit__region__level="county").exists()


def test_the_demo_adds_the_province_and_lanxi_coordinators_and_the_province_plan(
    db, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    logins = {login.username: login for login in demo_load()}
    assert logins["province"].description == "协调员(江岭省政务公开办,上级)"
    province_user = logins["province"]
    assert province_user.password
    province = User.objects.get(username="province")
    assert (province.role, province.region.code, province.last_name) == (
        User.Role.COORDINATOR,
        "990000",
        "省政务公开办",
    )
    lanxi = User.objects.get(username="lanxi")
    assert (lanxi.role, lanxi.region.code) == (User.Role.COORDINATOR, "990200")
    plan = WorkPlan.objects.get(doc_number=PROVINCE_SAMPLE_DOC_NUMBER)
    assert plan.region.code == "990000"
    assert plan.issuer == "江岭省人民政府办公厅"
    assert Assignment.objects.filter(task__plan=plan, unit__short_name="岚溪市政府").count() == 6

    # 分解下达: 云川市 split the first item for its government; 云湖区 has done its part
    parent = Assignment.objects.get(child_plan__isnull=False)
    assert (parent.task.plan, parent.unit.short_name) == (plan, "云川市政府")
    child = parent.child_plan
    assert child.region.code == "990100" and child.created_by.username == "coordinator"
    states = sorted(Assignment.objects.filter(task__plan=child).values_list("state", flat=True))
    assert states == ["assigned", "assigned", "assigned", "done"]

    demo_load()  # once: loading again imports nothing more
    assert WorkPlan.objects.filter(parent_assignment__isnull=False).count() == 1
    assert WorkPlan.objects.filter(doc_number=PROVINCE_SAMPLE_DOC_NUMBER).count() == 1
    assert Assignment.objects.filter(task__plan=plan, unit__short_name="岚溪市政府").count() == 6

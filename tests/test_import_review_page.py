"""The import review page: suggestions ranked by the directory's shape, unit chips that
are what the import creates, and a total that equals the assignments created."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from regions.matching import directory_rank_suggestions
from regions.models import Alias, Region, Unit, UnitGroup
from regions.services import user_upsert
from tasks_app.import_review import chip_value
from tasks_app.models import Assignment, ImportJob, WorkPlan
from tasks_app.services.import_plan import outline_names

# --- suggestions, on a directory written for the test ------------------------------------


@pytest.fixture
def shimen(db) -> Region:
    """石门市 with two counties and a small directory of every suffix class."""
    city = Region.objects.create(code="130100", name="石门市", level="prefecture")
    east = Region.objects.create(code="130102", name="东城县", level="county", parent=city)
    west = Region.objects.create(code="130103", name="西城县", level="county", parent=city)
    for region, short, kind in [
        (city, "市财政局", "department"),
        (city, "市财政事务中心", "other"),
        (city, "市环境保护局", "department"),
        (city, "市环保委", "department"),
        (city, "市环境督察办", "department"),
        (city, "市审计局", "department"),
        (east, "东城县政府", "government"),
        (east, "东城县财政局", "department"),
        (west, "西城县政府", "government"),
    ]:
        Unit.objects.create(region=region, short_name=short, kind=kind)
    return city


def ranked(region: Region, name: str) -> list[str]:
    return [str(s.target) for s in directory_rank_suggestions(region=region, names=[name])[name]]


def test_a_name_without_its_suffix_suggests_the_same_regions_unit_first(shimen):
    names = ranked(shimen, "市财政")
    assert names[0] == "市财政局"
    # the county's 财政局 matches as well, after the city's own units
    assert names.index("东城县财政局") > names.index("市财政事务中心")


def test_a_bureau_suggests_bureaus_before_a_closer_commission(shimen):
    names = ranked(shimen, "环保局")
    # 市环保委 is the closer string, but a 局 is first looked for among 局s
    assert names[0] == "市环境保护局"
    assert "市环保委" in names and names.index("市环保委") > 0
    assert "市环境督察办" not in names[:1]


def test_a_commission_suggests_commissions_first(shimen):
    assert ranked(shimen, "市环境保护委")[0] == "市环保委"


def test_a_county_name_suggests_its_government_then_the_other_governments(shimen):
    names = ranked(shimen, "东城县")
    assert names[0] == "东城县政府"
    assert names.index("西城县政府") < names.index("东城县财政局")


def test_aliases_are_matched_and_unrelated_names_are_not_suggested(shimen):
    Alias.objects.create(name="市审计监督局", unit=Unit.objects.get(short_name="市审计局"))
    assert ranked(shimen, "审计监督局")[0] == "市审计局"
    assert ranked(shimen, "公安") == []


# --- the page ---------------------------------------------------------------------------

DOC = (
    "测试市2026年政务公开工作要点\n一、加强公开\n"
    "(一)公开财政预算。6月底前公开。(市财政局牵头,市审计局、市民政局负责落实)\n"
    "(二)公开统计数据。每月发布。(市统计局负责落实)\n"
    "(三)公开审计结果。每季度发布。(市审计局负责落实)\n"
)


@pytest.fixture
def admin_client(client, taiyuan):
    coordinator = user_upsert(
        username="coord", password="pw-123456", role="coordinator", region=taiyuan
    )
    client.force_login(coordinator)
    return client


def start(client) -> tuple[ImportJob, str]:
    region = Region.objects.get(code="140100")
    client.post(
        reverse("admin:tasks_app_workplan_import"),
        {"region": region.pk, "file": SimpleUploadedFile("plan.txt", DOC.encode())},
    )
    job = ImportJob.objects.get()
    return job, reverse("admin:tasks_app_workplan_import_review", args=[job.pk])


def page_state(job: ImportJob, **fields) -> dict:
    """The review form as the page posts it: titles, deadlines, every chip, every name."""
    job.refresh_from_db()
    data = {"plan_period_end": "2026-12-31"}
    for index, task in enumerate(job.outline["tasks"]):
        data.update(
            {
                f"t{index}_ref": task["ref"],
                f"t{index}_title": task["title"],
                f"t{index}_deadline": task["deadline"] or "",
                f"t{index}_chips": "1",
                f"t{index}_u": [chip_value(u) for u in task["units"]],
            }
        )
    names = outline_names(job.outline)
    data["name_count"] = len(names)
    data.update({f"name_{i}": n for i, n in enumerate(names)})
    data.update({f"map_{i}": job.mapping.get(n, "") for i, n in enumerate(names)})
    data.update(fields)
    return data


def row_of(job: ImportJob, ref: str) -> int:
    return next(i for i, t in enumerate(job.outline["tasks"]) if t["ref"] == ref)


def chip_position(job: ImportJob, ref: str, name: str) -> int:
    units = job.outline["tasks"][row_of(job, ref)]["units"]
    return next(j for j, u in enumerate(units) if u["name"] == name)


def shown_total(page: str) -> int:
    return int(re.search(r'id="import-total"[^>]*>将创建 <strong>(\d+)</strong>', page).group(1))


def test_page_is_full_width_with_expandable_text_and_chips(admin_client):
    job, url = start(admin_client)
    page = admin_client.get(url).content.decode()
    assert 'class="colM import-review"' in page and "import_review.css" in page
    assert "<details>" in page and "<summary>公开财政预算" in page
    assert "6月底前公开" in page.split("<summary>公开财政预算", 1)[1].split("</details>", 1)[0]
    row = row_of(job, "一/(一)")
    assert f'name="t{row}_u" value="lead||市财政局"' in page
    assert f'name="remove" value="{row}:{chip_position(job, "一/(一)", "市民政局")}"' in page
    assert 'list="unit-directory"' in page
    fgw = Unit.objects.get(short_name="市发改委", region__code="140100")
    assert f'<option value="市发改委 · 太原市 #{fgw.pk}">' in page


def test_parser_warnings_come_before_the_table(admin_client):
    job, url = start(admin_client)
    job.outline["tasks"][1]["warnings"] = ["编号不连续"]
    job.save(update_fields=["outline"])
    page = admin_client.get(url).content.decode()
    assert page.index("编号不连续") < page.index('class="outline"')
    assert page.index("请先核对") < page.index("import-review-form")


def test_removing_and_adding_chips_is_saved_and_recounted(admin_client):
    job, url = start(admin_client)
    before = shown_total(admin_client.get(url).content.decode())
    row = row_of(job, "一/(三)")
    response = admin_client.post(url, page_state(job, remove=f"{row}:0"))
    assert response.status_code == 302 and response["Location"].endswith(f"#row-{row}")
    job.refresh_from_db()
    assert job.outline["tasks"][row]["units"] == []
    assert shown_total(admin_client.get(url).content.decode()) == before - 1

    fgw = Unit.objects.get(short_name="市发改委", region__code="140100")
    admin_client.post(url, page_state(job, **{f"t{row}_add": f"市发改委 · 太原市 #{fgw.pk}"}))
    job.refresh_from_db()
    assert job.outline["tasks"][row]["units"] == [
        {"name": "市发改委", "role": "responsible", "unit_id": fgw.pk}
    ]
    page = admin_client.get(url).content.decode()
    assert shown_total(page) == before
    # a name the directory knows may be typed too
    admin_client.post(url, page_state(job, **{f"t{row}_add": "市环保局"}))
    job.refresh_from_db()
    assert [u["name"] for u in job.outline["tasks"][row]["units"]] == ["市发改委", "市环保局"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("别市财政局 · 别市 #{other}", "不在太原市的单位目录中"),
        ("#99999999", "找不到编号为 99999999 的单位"),
        ("市宇宙局", "“市宇宙局”不是太原市单位目录中的单位"),
    ],
)
def test_a_unit_outside_the_region_or_unknown_is_refused(admin_client, typed, message):
    other_region = Region.objects.create(code="990100", name="别市", level="prefecture")
    other = Unit.objects.create(region=other_region, short_name="别市财政局", kind="department")
    job, url = start(admin_client)
    saved = job.outline
    row = row_of(job, "一/(三)")
    response = admin_client.post(
        url, page_state(job, **{f"t{row}_add": typed.format(other=other.pk)}), follow=True
    )
    assert message in response.content.decode()
    job.refresh_from_db()
    assert job.outline == saved  # nothing of that POST was kept


def test_a_chip_naming_another_regions_unit_by_id_is_refused_on_confirm(admin_client):
    other_region = Region.objects.create(code="990100", name="别市", level="prefecture")
    other = Unit.objects.create(region=other_region, short_name="别市财政局", kind="department")
    job, url = start(admin_client)
    row = row_of(job, "一/(三)")
    data = page_state(job, confirm="1")
    data[f"t{row}_u"] = [f"responsible|{other.pk}|别市财政局"]
    response = admin_client.post(url, data, follow=True)
    assert f"编号为 {other.pk} 的单位不存在或不在本区划内" in response.content.decode()
    assert not WorkPlan.objects.exists()


def test_unresolved_name_lists_ranked_suggestions_and_can_be_left_unassigned(admin_client):
    job, url = start(admin_client)
    page = admin_client.get(url).content.decode()
    index = outline_names(job.outline).index("市统计局")
    audit = Unit.objects.get(short_name="市审计局", region__code="140100")
    first = re.search(rf'name="map_{index}" value="([^"]+)"', page).group(1)
    assert first == f"unit:{audit.pk}"  # a 局 of 太原市, the closest name
    assert f'name="map_{index}" value="none:"' in page

    admin_client.post(url, page_state(job, **{f"map_{index}": "none:"}))
    page = admin_client.get(url).content.decode()
    assert "不交办" in page
    total = shown_total(page)
    admin_client.post(url, page_state(job, confirm="1"))
    plan = WorkPlan.objects.get()
    assert Assignment.objects.filter(task__plan=plan).count() == total
    assert not Assignment.objects.filter(task__plan=plan, task__ref="一/(二)").exists()
    assert not Alias.objects.filter(name="市统计局").exists()


def test_total_shown_equals_assignments_created_after_removing_a_chip_and_mapping(
    admin_client,
):
    # given an import with an unresolved name and a collective group added as a chip
    job, url = start(admin_client)
    group = UnitGroup.objects.get(region__code="140100", name="市直各部门")
    third = row_of(job, "一/(三)")
    admin_client.post(url, page_state(job, **{f"t{third}_add": group.name}))
    job.refresh_from_db()
    assert job.outline["tasks"][third]["units"][-1]["name"] == "市直各部门"
    row = row_of(job, "一/(一)")
    index = outline_names(job.outline).index("市统计局")
    audit = Unit.objects.get(short_name="市审计局", region__code="140100")

    # when the coordinator removes 市民政局 and maps 市统计局 to the suggested 市审计局
    removing = f"{row}:{chip_position(job, '一/(一)', '市民政局')}"
    admin_client.post(url, page_state(job, remove=removing, **{f"map_{index}": f"unit:{audit.pk}"}))
    page = admin_client.get(url).content.decode()
    total = shown_total(page)
    assert f"将创建 <strong>{total}</strong> 个交办事项" in page.split("submit-row", 1)[1]
    response = admin_client.post(url, page_state(job, confirm="1"))

    # then the import creates exactly the assignments the page counted
    plan = WorkPlan.objects.get()
    assert response.status_code == 302
    created = Assignment.objects.filter(task__plan=plan)
    assert created.count() == total
    assert created.filter(unit=audit, task__ref="一/(二)").exists()
    assert Alias.objects.filter(name="市统计局", unit=audit).exists()
    assert not created.filter(unit__short_name="市民政局", task__ref="一/(一)").exists()
    assert created.filter(task__ref="一/(一)").count() == 2  # 市财政局 and 市审计局
    assert created.filter(task__ref="一/(三)").count() == 26  # the group, expanded
    assert total == 2 + 1 + 26


def test_a_pending_add_does_not_confirm(admin_client):
    job, url = start(admin_client)
    row = row_of(job, "一/(三)")
    data = page_state(job, confirm="1", **{f"t{row}_add": "市环保局"})
    index = outline_names(job.outline).index("市统计局")
    data[f"map_{index}"] = "none:"
    response = admin_client.post(url, data, follow=True)
    assert "请核对将创建的交办事项数后再确认导入" in response.content.decode()
    assert not WorkPlan.objects.exists()


def chinese(n: int) -> str:
    digits = "〇一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def test_review_page_queries_do_not_grow_with_the_items(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    region = Region.objects.get(code="140100")
    counts = []
    for items in (2, 20):
        text = "测试市2026年工作要点\n一、加强公开\n" + "".join(
            f"({n})公开事项{n}。(市财政局牵头,市审计局、市统计局负责落实)\n"
            for n in (chinese(i) for i in range(1, items + 1))
        )
        admin_client.post(
            reverse("admin:tasks_app_workplan_import"),
            {"region": region.pk, "file": SimpleUploadedFile("p.txt", text.encode())},
        )
        job = ImportJob.objects.latest("pk")
        assert len(job.outline["tasks"]) == items + 1
        url = reverse("admin:tasks_app_workplan_import_review", args=[job.pk])
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

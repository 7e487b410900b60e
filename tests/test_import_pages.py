"""The coordinator's import pages and the parse API, through HTTP as people use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from regions.models import Alias, Region, Unit, User
from regions.services import user_upsert
from tasks_app.models import Assignment, ImportJob, WorkPlan
from tasks_app.services.imports import import_job_review

DOC = (
    "测试市2026年政务公开工作要点\n一、加强公开\n"
    "(一)公开财政预算。6月底前公开。(市财政局牵头,市直各部门负责落实)\n"
    "(二)公开审计结果。每月发布。(市审计局负责落实)\n"
)
START = "admin:tasks_app_workplan_import"


@pytest.fixture
def coordinator(taiyuan):
    return user_upsert(username="coord", password="pw-123456", role="coordinator", region=taiyuan)


@pytest.fixture
def admin_client(client, coordinator):
    client.force_login(coordinator)
    return client


def upload(client, text: str, name: str = "plan.txt", **extra):
    region = Region.objects.get(code="140100")
    return client.post(
        reverse(START),
        {"region": region.pk, "file": SimpleUploadedFile(name, text.encode())},
        **extra,
    )


def review_post(job, **fields):
    data = {"name_count": 0, "plan_period_end": "2026-12-31"}
    for index, task in enumerate(job.outline["tasks"]):
        lead = "、".join(u["name"] for u in task["units"] if u["role"] == "lead")
        resp = "、".join(u["name"] for u in task["units"] if u["role"] != "lead")
        data.update(
            {
                f"t{index}_ref": task["ref"],
                f"t{index}_title": task["title"],
                f"t{index}_lead": lead,
                f"t{index}_resp": resp,
                f"t{index}_deadline": task["deadline"] or "",
            }
        )
    data.update(fields)
    return data


def test_plan_list_offers_the_import_to_coordinators(admin_client):
    page = admin_client.get(reverse("admin:tasks_app_workplan_changelist")).content.decode()
    assert "导入工作要点" in page


def test_upload_review_confirm_creates_the_plan(admin_client):
    response = upload(admin_client, DOC)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tasks_app_workplan_import_review", args=[job.pk])

    page = admin_client.get(response["Location"]).content.decode()
    assert "公开财政预算" in page and "市审计局" in page
    assert "将创建" in page

    response = admin_client.post(response["Location"], review_post(job, confirm="1"))
    plan = WorkPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tasks_app_workplan_change", args=[plan.pk])
    assert plan.title == "测试市2026年政务公开工作要点"
    assert plan.source_text == DOC and plan.source_name == "plan.txt"
    assert Assignment.objects.filter(task__plan=plan, task__ref="一/(二)").count() == 1
    # 市财政局 leads; 市直各部门 holds 26 departments, itself among them
    assert Assignment.objects.filter(task__plan=plan, task__ref="一/(一)").count() == 26
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED and job.plan == plan
    # confirming twice does not import twice
    admin_client.post(
        reverse("admin:tasks_app_workplan_import_review", args=[job.pk]),
        review_post(job, confirm="1"),
    )
    assert WorkPlan.objects.count() == 1


def test_unresolved_name_is_highlighted_with_suggestions_then_mapped(admin_client):
    upload(admin_client, DOC.replace("市审计局", "市统计局"))  # Taiyuan's directory has none
    job = ImportJob.objects.get()
    url = reverse("admin:tasks_app_workplan_import_review", args=[job.pk])
    page = admin_client.get(url).content.decode()
    assert 'class="unresolved-name">市统计局' in page
    assert "1 个需要您对应" in page
    assert "新建:部门" in page

    names = ["市财政局", "市直各部门", "市统计局"]
    fields = {"name_count": len(names), **{f"name_{i}": n for i, n in enumerate(names)}}
    # confirming without a choice is refused, says why, and creates nothing
    response = admin_client.post(url, review_post(job, confirm="1", **fields), follow=True)
    assert "以下名称在单位目录中找不到:市统计局" in response.content.decode()
    assert not WorkPlan.objects.exists()

    fields["map_2"] = "new:department"
    admin_client.post(url, review_post(job, confirm="1", **fields))
    plan = WorkPlan.objects.get()
    created = Unit.objects.get(short_name="市统计局")
    assert created.kind == "department" and created.region.code == "140100"
    assert Assignment.objects.filter(task__plan=plan, unit=created).exists()


def test_mapping_to_an_existing_unit_is_remembered_as_alias(admin_client):
    upload(admin_client, DOC.replace("市审计局", "市发展和改革委"))
    job = ImportJob.objects.get()
    fgw = Unit.objects.get(short_name="市发改委")
    url = reverse("admin:tasks_app_workplan_import_review", args=[job.pk])
    page = admin_client.get(url).content.decode()
    assert f'value="unit:{fgw.pk}"' in page  # offered among the suggestions
    names = ["市财政局", "市直各部门", "市发展和改革委"]
    fields = {
        "name_count": 3,
        **{f"name_{i}": n for i, n in enumerate(names)},
        "map_2": f"unit:{fgw.pk}",
    }
    admin_client.post(url, review_post(job, confirm="1", **fields))
    assert Alias.objects.filter(unit=fgw, name="市发展和改革委").exists()


def test_edits_in_the_review_table_are_what_gets_imported(admin_client):
    upload(admin_client, DOC)
    job = ImportJob.objects.get()
    url = reverse("admin:tasks_app_workplan_import_review", args=[job.pk])
    data = review_post(
        job,
        confirm="1",
        t2_resp="市民政局",
        t2_title="公开审计结果(已改)",
        t2_deadline="2026-08-31",
    )
    admin_client.post(url, data)
    assignment = Assignment.objects.get(task__ref="一/(二)")
    assert assignment.unit.short_name == "市民政局"
    assert assignment.task.title == "公开审计结果(已改)"
    assert str(assignment.due_date) == "2026-08-31"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.txt", "空"),
        (b"\x00\x01binary\x00" * 40, "x.bin", "不是文本"),
        (b"PK\x03\x04broken", "x.docx", "损坏"),
        ("没有编号的普通文字。".encode() * 10, "plain.txt", "没有找到编号条目"),
    ],
)
def test_bad_files_show_a_clear_message_and_create_no_plan(admin_client, content, name, message):
    region = Region.objects.get(code="140100")
    response = admin_client.post(
        reverse(START),
        {"region": region.pk, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert message in response.content.decode()
    assert not WorkPlan.objects.exists()


def test_oversized_upload_is_refused_by_its_size_before_reading(admin_client, settings):
    settings.WORKPLAN_MAX_UPLOAD_BYTES = 1024
    body = "x" * (200 * 1024)
    response = admin_client.post(
        reverse(START), data=body, content_type="text/plain", CONTENT_LENGTH=str(50 * 1024 * 1024)
    )
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "文件过大" in page
    assert not ImportJob.objects.exists()


def test_fifty_megabyte_file_is_refused_by_the_service_without_reading_it(coordinator):
    from tasks_app.services.imports import import_job_create

    class Huge:
        name, size = "huge.txt", 50 * 1024 * 1024

        def read(self, *args):  # pragma: no cover - must never be called
            raise AssertionError("read an oversized upload")

        chunks = read

    with pytest.raises(Exception, match="文件过大"):
        import_job_create(user=coordinator, region=coordinator.region, upload=Huge())
    assert not ImportJob.objects.exists()


def test_large_file_is_queued_for_a_worker_and_shows_progress(
    admin_client, settings, django_capture_on_commit_callbacks
):
    settings.WORKPLAN_SYNC_PARSE_MAX_BYTES = 10
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(admin_client, DOC)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PENDING and len(callbacks) == 1
    page = admin_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "等待解析" in page


def test_unit_user_and_other_regions_coordinator_cannot_reach_import(client, admin_client, taiyuan):
    upload(admin_client, DOC)
    job = ImportJob.objects.get()
    review = reverse("admin:tasks_app_workplan_import_review", args=[job.pk])

    elsewhere = Region.objects.create(code="990100", name="别市", level="prefecture")
    other = user_upsert(
        username="other", password="pw-123456", role="coordinator", region=elsewhere
    )
    client.force_login(other)
    assert client.get(review).status_code == 404
    assert client.post(review, {"confirm": "1"}).status_code == 404

    unit = Unit.objects.get(short_name="市发改委")
    unit_user = user_upsert(username="u", password="pw-123456", role="unit_user", unit=unit)
    client.force_login(unit_user)
    assert client.get(reverse(START)).status_code == 302  # to the admin login: not staff
    assert client.get(review).status_code == 302


# --- API ----------------------------------------------------------------------------------

API = "/api/workplans/parse/"


def test_api_parses_an_upload_for_a_coordinator(admin_client):
    response = admin_client.post(API, {"file": SimpleUploadedFile("plan.txt", DOC.encode("gbk"))})
    assert response.status_code == 200
    assert [t["ref"] for t in response.json()["tasks"]] == ["一", "一/(一)", "一/(二)"]
    assert response.json()["tasks"][2]["report_cycle"] == "monthly"


def test_api_parses_pasted_text(admin_client):
    response = admin_client.post(API, {"text": DOC}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["tasks"][1]["units"][0] == {"name": "市财政局", "role": "lead"}


def test_api_reports_bad_input_with_a_message(admin_client):
    response = admin_client.post(API, {"file": SimpleUploadedFile("x.docx", b"PK\x03\x04no")})
    assert response.status_code == 400
    assert "损坏" in response.json()["detail"]
    assert admin_client.post(API, {}, content_type="application/json").status_code == 400


def test_api_refuses_oversized_bodies_by_declared_length(admin_client, settings):
    settings.WORKPLAN_MAX_UPLOAD_BYTES = 1024
    response = admin_client.post(
        API, data="x", content_type="text/plain", CONTENT_LENGTH=str(50 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "文件过大" in response.json()["detail"]


def test_api_is_for_coordinators_only(client, taiyuan):
    assert client.post(API, {"text": DOC}).status_code == 401  # anonymous: authenticate first
    unit = Unit.objects.get(short_name="市发改委")
    client.force_login(
        user_upsert(username="u", password="pw-123456", role=User.Role.UNIT_USER, unit=unit)
    )
    assert client.post(API, {"text": DOC}, content_type="application/json").status_code == 403


def test_review_explains_rows_covered_by_their_parent_and_inherited_due_dates(admin_client):
    upload(
        admin_client,
        "测试市2026年政务公开工作要点\n一、甲\n(一)公开项目。年底前建立制度。(市发改委负责落实)\n"
        "1.批准信息。内容。\n2.实施信息。内容。\n(二)无人负责的条目。",
    )
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("admin:tasks_app_workplan_import_review", args=[job.pk]))
    rows = {row["task"]["ref"]: row for row in page.context["rows"]}
    assert rows["一/(一)"]["assignments"] == 1
    assert rows["一/(一)/1"]["covered_by"] == "一/(一)"
    assert rows["一/(一)/1"]["due"] == "2026-12-31"
    assert rows["一/(二)"]["unassigned"] and not rows["一/(二)"]["covered_by"]
    assert "随 一/(一)" in page.content.decode()


def test_plan_page_links_to_its_tasks_and_assignments(admin_client):
    upload(admin_client, DOC)
    job = ImportJob.objects.get()
    admin_client.post(
        reverse("admin:tasks_app_workplan_import_review", args=[job.pk]),
        review_post(job, confirm="1"),
    )
    plan = WorkPlan.objects.get()
    page = admin_client.get(
        reverse("admin:tasks_app_workplan_change", args=[plan.pk])
    ).content.decode()
    assert "3 个任务" in page and "27 个交办事项" in page
    assert f"?task__plan__id__exact={plan.pk}" in page
    listing = admin_client.get(
        reverse("admin:tasks_app_assignment_changelist"), {"task__plan__id__exact": plan.pk}
    )
    assert listing.status_code == 200


def test_review_lists_the_nodes_the_parser_was_unsure_of_first_with_the_reason(admin_client):
    upload(admin_client, DOC)
    job = ImportJob.objects.get()
    outline = dict(job.outline)
    outline["tasks"] = [dict(t) for t in outline["tasks"]]
    outline["tasks"][2]["warnings"] = ["编号不连续:(一)之后是(三)"]
    import_job_review(job=job, outline=outline, mapping={})

    page = admin_client.get(reverse("admin:tasks_app_workplan_import_review", args=[job.pk]))
    html = page.content.decode()
    check_first = html.index("请先核对这 1 个条目")
    # the list comes before the plan's fields and the table, and names the reason
    assert check_first < html.index("文件信息") < html.index('id="row-0"')
    assert html.index("编号不连续:(一)之后是(三)") < html.index("文件信息")
    assert 'href="#row-2"' in html and 'id="row-2" class="warned"' in html
    assert 'id="row-1" class="warned"' not in html


def test_review_without_warnings_shows_no_check_list(admin_client):
    upload(admin_client, DOC)
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("admin:tasks_app_workplan_import_review", args=[job.pk]))
    assert "请先核对" not in page.content.decode()

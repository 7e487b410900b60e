"""Uploaded documents parse in a child process with a memory and a time limit: a file that
would exhaust them fails with the documented parse error; the web or worker process that
asked goes on."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tasks_app.models import ImportJob
from tasks_app.parse_sandbox import parse_sandboxed
from tasks_app.parsing import ParseError, parse_text
from tasks_app.services.imports import import_job_create

TEXT = "测试市2026年政务公开工作要点\n一、加强公开\n(一)公开预算。6月底前完成。(市财政局负责落实)\n"


@pytest.fixture(scope="module")
def big_table() -> bytes:
    """A legitimate but large division table: 60,000 rows (about 1.5 MB zipped)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("分工")
    sheet.append(["序号", "工作任务", "牵头单位", "责任单位", "完成时限"])
    for n in range(1, 60001):
        sheet.append([n, f"推进第{n}项重点工作任务的落实", "市发改委", "市财政局", "12月"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_child_gives_the_same_outline_as_parsing_in_process():
    assert parse_sandboxed(text=TEXT) == parse_text(TEXT)


def test_a_parse_error_in_the_child_is_the_documented_parse_error():
    with pytest.raises(ParseError, match=r"没有找到编号条目|没有可解析"):
        parse_sandboxed(text="这里没有任何编号条目,只有一句话。")


def test_a_document_past_the_time_limit_is_stopped(settings, big_table):
    settings.PARSE_TIME_LIMIT_SECONDS = 1
    settings.PARSE_MEMORY_LIMIT_MB = 8192  # only the time limit can trip
    with pytest.raises(ParseError, match=r"^解析超过 1 秒仍未完成,已停止"):
        parse_sandboxed(data=big_table, filename="big.xlsx")


def test_a_document_past_the_memory_limit_is_stopped(settings, big_table):
    settings.PARSE_MEMORY_LIMIT_MB = 150
    settings.PARSE_TIME_LIMIT_SECONDS = 600  # only the memory limit can trip
    with pytest.raises(ParseError, match=r"^解析所需内存(或时间)?超过上限,已停止"):
        parse_sandboxed(data=big_table, filename="big.xlsx")


def test_an_import_job_records_the_failure_and_the_process_goes_on(
    world, settings, tmp_path, big_table
):
    settings.MEDIA_ROOT = tmp_path
    settings.PARSE_TIME_LIMIT_SECONDS = 1
    settings.PARSE_MEMORY_LIMIT_MB = 8192  # only the time limit can trip
    settings.WORKPLAN_SYNC_PARSE_MAX_BYTES = 10 * 1024 * 1024  # parse in this process's call
    pid = os.getpid()
    job = import_job_create(
        user=world.coordinator,
        region=world.region,
        upload=SimpleUploadedFile("big.xlsx", big_table),
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("解析超过 1 秒仍未完成,已停止")
    assert os.getpid() == pid  # still us, still here
    ok = import_job_create(user=world.coordinator, region=world.region, text=TEXT)
    assert ok.status == ImportJob.Status.PARSED

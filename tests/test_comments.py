"""The conversation on an assignment (沟通记录): who writes, who reads, @mentions, and the
thread read in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError, ForbiddenError, NotFoundError
from notify.mentions import segments
from notify.models import Comment
from notify.selectors import comments_for_assignment
from notify.services.comments import COMMENT_MAX_CHARS, comment_create
from regions.services import user_upsert


@pytest.fixture
def zhang(world):
    return user_upsert(
        username="zhangsan",
        password="pw-123456",
        role="unit_user",
        display_name="张三",
        unit=world.czj_unit,
    )


def test_the_assigned_unit_and_the_region_coordinator_write_and_read_in_order(world):
    a = world.czj_own.pk
    first = comment_create(user=world.czj, assignment_id=a, text="  已在办理。 \n")
    second = comment_create(user=world.coordinator, assignment_id=a, text="请月底前反馈。")
    assert first.text == "已在办理。"
    assert list(comments_for_assignment(world.czj, a)) == [first, second]
    assert list(comments_for_assignment(world.leader, a)) == [first, second]


def test_a_leader_reads_but_may_not_write(world):
    with pytest.raises(ForbiddenError, match="领导只能查看"):
        comment_create(user=world.leader, assignment_id=world.czj_own.pk, text="看看")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("who", ["county", "other_coordinator", "fgw"])
def test_outside_users_find_no_assignment_to_write_on_or_read(world, who):
    user = getattr(world, who)
    with pytest.raises(NotFoundError):
        comment_create(user=user, assignment_id=world.czj_own.pk, text="你好")
    with pytest.raises(NotFoundError):
        comments_for_assignment(user, world.czj_own.pk)
    with pytest.raises(NotFoundError):
        comment_create(user=world.czj, assignment_id=999999, text="你好")


def test_the_lead_unit_writes_on_its_partners_thread_of_the_task_it_leads_only(world):
    shared = world.czj_shared.pk
    comment = comment_create(user=world.fgw, assignment_id=shared, text="请财政局配合。")
    assert list(comments_for_assignment(world.fgw, shared)) == [comment]
    # the partner does not see the lead unit's own assignment
    with pytest.raises(NotFoundError):
        comment_create(user=world.czj, assignment_id=world.fgw_lead.pk, text="收到")


@pytest.mark.parametrize("text", ["", "   \n\t", None])
def test_an_empty_comment_is_refused_with_a_message(world, text):
    with pytest.raises(ApplicationError, match="不能为空"):
        comment_create(user=world.czj, assignment_id=world.czj_own.pk, text=text)


def test_a_comment_over_5000_characters_is_refused_and_5000_are_taken(world):
    a = world.czj_own.pk
    with pytest.raises(ApplicationError, match="留言过长"):
        comment_create(user=world.czj, assignment_id=a, text="字" * (COMMENT_MAX_CHARS + 1))
    assert comment_create(user=world.czj, assignment_id=a, text="字" * COMMENT_MAX_CHARS).pk


def test_mentions_of_participants_by_display_name_or_username_are_stored(world, zhang):
    text = "@张三请核实,@coord 请看。@county 与 @无名氏 不在本事项,@ 单独一个"
    comment = comment_create(user=world.czj, assignment_id=world.czj_own.pk, text=text)
    assert set(comment.mentions.all()) == {zhang, world.coordinator}
    assert comment.text == text  # unknown names stay plain text


def test_the_longest_participant_name_wins_after_the_at_sign(world, zhang):
    longer = user_upsert(
        username="zsf",
        password="pw-123456",
        role="unit_user",
        display_name="张三丰",
        unit=world.czj_unit,
    )
    comment = comment_create(user=world.czj, assignment_id=world.czj_own.pk, text="@张三丰请办")
    assert list(comment.mentions.all()) == [longer]
    assert segments("@张三丰请办", ["张三", "张三丰"]) == [("@张三丰", True), ("请办", False)]


def test_the_lead_unit_users_can_be_mentioned_on_their_partners_thread(world):
    comment = comment_create(user=world.czj, assignment_id=world.czj_shared.pk, text="@fgw 已配合")
    assert list(comment.mentions.all()) == [world.fgw]


@pytest.mark.parametrize("count", [1, 50])
def test_the_thread_is_read_in_three_queries_whatever_its_length(world, zhang, count):
    a = world.czj_own.pk
    for n in range(count):
        comment_create(user=world.czj, assignment_id=a, text=f"第{n}条 @张三 @coord")
    with CaptureQueriesContext(connection) as queries:
        thread = list(comments_for_assignment(world.coordinator, a))
        names = {(c.author.unit_id, len(c.mentions.all())) for c in thread}
    assert len(thread) == count and names == {(world.czj_unit.pk, 2)}
    assert len(queries.captured_queries) == 3

"""The conversation's endpoint: read the thread, post to it (thin; the service decides)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.api import ApiView
from core.people import display_name
from notify.selectors import comments_for_assignment
from notify.services.comments import COMMENT_MAX_CHARS, comment_create
from tasks_app.access import assignment_get_for_user


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    author_name = serializers.SerializerMethodField(help_text="显示名")
    author_unit = serializers.CharField(source="author.unit.short_name", allow_null=True)
    text = serializers.CharField()
    mentions = serializers.SerializerMethodField(help_text="被 @ 提及的参与人的用户名")
    created_at = serializers.DateTimeField()

    def get_author_name(self, obj) -> str:
        return display_name(obj.author)

    def get_mentions(self, obj) -> list[str]:
        return [user.username for user in obj.mentions.all()]


class AssignmentCommentsApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CommentCreateInput"

        text = serializers.CharField(
            max_length=COMMENT_MAX_CHARS,
            help_text="留言内容;“@姓名”或“@用户名”提及本事项的参与人(单位、牵头单位、协调员)",
        )

    @extend_schema(
        summary="交办事项的沟通记录(按时间先后;看不到的事项为 404)",
        responses=CommentOutput(many=True),
    )
    def get(self, request, assignment_id: int):
        comments = comments_for_assignment(request.user, assignment_id)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(comments, request, view=self)
        return paginator.get_paginated_response(CommentOutput(page, many=True).data)

    @extend_schema(
        summary="在沟通记录中留言(本单位、牵头单位、协调员;领导只读,403)",
        request=InputSerializer,
        responses={201: CommentOutput},
    )
    def post(self, request, assignment_id: int):
        # what the user may not see is "not found" whatever the body, before it is validated
        assignment_get_for_user(user=request.user, assignment_id=assignment_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_create(
            user=request.user, assignment_id=assignment_id, **serializer.validated_data
        )
        return Response(CommentOutput(comment).data, status=status.HTTP_201_CREATED)

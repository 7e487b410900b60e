"""REST endpoints: thin, one per operation; input validated, one service called."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api import ApiView
from core.params import IdParam
from tasks_app.access import (
    assignment_get_for_user,
    extension_requests_for_user,
    incoming_for_user,
    is_coordinator,
    reports_for_user,
)
from tasks_app.cascade import with_child_plan
from tasks_app.models import Assignment, ExtensionRequest, ProgressReport
from tasks_app.parse_sandbox import parse_sandboxed
from tasks_app.selectors import AssignmentFilters, assignment_list, assignments_with_status
from tasks_app.services import assignments as services
from tasks_app.services.imports import max_upload_bytes, too_big_message

# Room for the multipart envelope around the file itself.
_ENVELOPE = 64 * 1024


class IsCoordinator(permissions.BasePermission):
    message = "只有协调员可以执行此操作。"

    def has_permission(self, request, view) -> bool:
        return is_coordinator(request.user)


class WorkPlanParseApi(ApiView):
    """Parse a document (multipart `file`, or `text`) into an outline; nothing is saved."""

    permission_classes = [IsCoordinator]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "WorkPlanParseInput"

        file = serializers.FileField(required=False)
        text = serializers.CharField(required=False, trim_whitespace=False)

        def validate(self, attrs):
            if not attrs.get("file") and not (attrs.get("text") or "").strip():
                raise serializers.ValidationError("请上传文件(file)或提供正文(text)。")
            return attrs

    @extend_schema(
        summary="解析工作要点文件,返回条目大纲(不保存)",
        request={
            "multipart/form-data": InputSerializer,
            "application/json": InputSerializer,
        },
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        # Refuse by the declared size, before a byte of the body is read.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > max_upload_bytes() + _ENVELOPE:
            return Response(
                {"detail": too_big_message(length)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("file")
        if upload is not None:
            if upload.size > max_upload_bytes():
                return Response(
                    {"detail": too_big_message(upload.size)},
                    status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                )
            outline = parse_sandboxed(data=upload.read(), filename=upload.name)
        else:
            outline = parse_sandboxed(text=serializer.validated_data["text"])
        return Response(outline)


# --- assignments, reports, extensions -------------------------------------------------------


class ChildPlanOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="分解方案(工作要点)的 id")
    total = serializers.IntegerField(help_text="分解方案的交办事项数")
    done = serializers.IntegerField(help_text="其中已办结")
    progress = serializers.IntegerField(help_text="平均进度(%)")
    complete = serializers.BooleanField()


class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    task_id = serializers.IntegerField()
    task_ref = serializers.CharField(source="task.ref")
    task_title = serializers.CharField(source="task.title")
    plan_id = serializers.IntegerField(source="task.plan_id")
    plan_title = serializers.CharField(source="task.plan.title")
    unit_id = serializers.IntegerField()
    unit = serializers.CharField(source="unit.short_name")
    role = serializers.CharField()
    state = serializers.CharField()
    progress = serializers.IntegerField()
    due_date = serializers.DateField()
    light = serializers.CharField(
        help_text="blue 已办结 · red 逾期 · grey 未签收 · yellow 即将到期 · green 正常"
    )
    is_overdue = serializers.BooleanField()
    is_due_soon = serializers.BooleanField()
    is_stalled = serializers.BooleanField()
    missed_report = serializers.BooleanField()
    signed_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    last_report_at = serializers.DateTimeField(allow_null=True)
    child_plan = serializers.SerializerMethodField(
        help_text="分解下达:受领政府对本事项的分解方案及其完成情况(计算所得);未分解为 null"
    )

    @extend_schema_field(ChildPlanOutput(allow_null=True))
    def get_child_plan(self, obj) -> dict | None:
        if getattr(obj, "child_plan_ref", None) is None:
            return None
        return {
            "id": obj.child_plan_ref,
            "total": obj.child_total,
            "done": obj.child_done,
            "progress": obj.child_progress,
            "complete": obj.child_total > 0 and obj.child_done == obj.child_total,
        }


class EvidenceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    size = serializers.IntegerField(allow_null=True)

    def get_url(self, obj) -> str:
        return obj.url or self.context["request"].build_absolute_uri(
            reverse("evidence_download", args=[obj.pk])
        )


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    progress = serializers.IntegerField()
    review_status = serializers.CharField()
    review_comment = serializers.CharField()
    author = serializers.CharField(source="author.username")
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    evidence = EvidenceOutput(many=True)


class ExtensionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    previous_due_date = serializers.DateField()
    requested_due_date = serializers.DateField()
    reason = serializers.CharField()
    status = serializers.CharField()
    decision_comment = serializers.CharField()
    created_at = serializers.DateTimeField()


def _with_status(request, assignment_id: int):
    assignments = assignment_list(user=request.user, filters=AssignmentFilters())
    return with_child_plan(assignments).get(pk=assignment_id)


def _page(view, request, queryset, serializer):
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(
        serializer(page, many=True, context={"request": request}).data
    )


class AssignmentListApi(ApiView):
    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AssignmentListInput"

        plan = IdParam(required=False)
        state = serializers.ChoiceField(choices=Assignment.State.choices, required=False)
        due = serializers.ChoiceField(choices=["soon", "overdue"], required=False)
        q = serializers.CharField(required=False, max_length=100)

    @extend_schema(
        summary="可见的交办事项(单位用户:本单位;协调员、领导:本区划及下级)",
        parameters=[FilterSerializer],
        responses=AssignmentOutput(many=True),
    )
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = AssignmentFilters(
            plan_id=data.get("plan"),
            state=data.get("state", ""),
            due_soon=data.get("due") == "soon",
            overdue=data.get("due") == "overdue",
            search=data.get("q", ""),
        )
        assignments = with_child_plan(assignment_list(user=request.user, filters=filters))
        return _page(self, request, assignments, AssignmentOutput)


class IncomingListApi(ApiView):
    @extend_schema(
        summary="上级交办事项:上级工作要点交给本级政府的事项,含本级分解方案的完成情况"
        "(协调员、领导:本区划的政府;其他用户为空)",
        responses=AssignmentOutput(many=True),
    )
    def get(self, request):
        items = with_child_plan(
            assignments_with_status(incoming_for_user(request.user)).select_related(
                "task__plan", "unit"
            )
        ).order_by("due_date", "id")
        return _page(self, request, items, AssignmentOutput)


class AssignmentDetailApi(ApiView):
    @extend_schema(summary="一个交办事项", responses=AssignmentOutput)
    def get(self, request, assignment_id: int):
        assignment_get_for_user(user=request.user, assignment_id=assignment_id)
        return Response(AssignmentOutput(_with_status(request, assignment_id)).data)


class AssignmentSignApi(ApiView):
    @extend_schema(summary="签收", request=None, responses=AssignmentOutput)
    def post(self, request, assignment_id: int):
        services.assignment_sign(user=request.user, assignment_id=assignment_id)
        return Response(AssignmentOutput(_with_status(request, assignment_id)).data)


class ReportCreateApi(ApiView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReportCreateInput"

        text = serializers.CharField()
        progress = serializers.IntegerField(min_value=0, max_value=100)
        completion = serializers.BooleanField(default=False, help_text="申请办结(进度记为 100)")
        files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
        links = serializers.ListField(
            child=serializers.CharField(max_length=500), required=False, default=list
        )

    @extend_schema(
        summary="反馈进展或申请办结(可附材料文件与链接)",
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: ReportOutput},
    )
    def post(self, request, assignment_id: int):
        data = request.data
        if hasattr(request.data, "getlist"):  # multipart: lists arrive as repeated fields
            data = {
                "text": request.data.get("text"),
                "progress": request.data.get("progress"),
                "completion": request.data.get("completion", False),
                "files": request.FILES.getlist("files"),
                "links": request.data.getlist("links"),
            }
        serializer = self.InputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        report = services.report_create(
            user=request.user, assignment_id=assignment_id, **serializer.validated_data
        )
        output = ReportOutput(report, context={"request": request}).data
        return Response(output, status=status.HTTP_201_CREATED)


class ExtensionCreateApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ExtensionCreateInput"

        requested_due_date = serializers.DateField()
        reason = serializers.CharField()

    @extend_schema(summary="申请延期", request=InputSerializer, responses={201: ExtensionOutput})
    def post(self, request, assignment_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.extension_request_create(
            user=request.user, assignment_id=assignment_id, **serializer.validated_data
        )
        return Response(ExtensionOutput(extension).data, status=status.HTTP_201_CREATED)


class ReportListApi(ApiView):
    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReportListInput"

        review_status = serializers.ChoiceField(
            choices=ProgressReport.Review.choices, required=False
        )

    @extend_schema(
        summary="可见的进展反馈(review_status=pending 即审核队列)",
        parameters=[FilterSerializer],
        responses=ReportOutput(many=True),
    )
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        reports = (
            reports_for_user(request.user)
            .select_related("author")
            .prefetch_related("evidence")
            .order_by("-created_at", "-id")
        )
        if "review_status" in params.validated_data:
            reports = reports.filter(review_status=params.validated_data["review_status"])
        return _page(self, request, reports, ReportOutput)


class ReportReviewApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReportReviewInput"

        accept = serializers.BooleanField(help_text="true 通过办结;false 退回")
        comment = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(summary="审核办结申请(协调员)", request=InputSerializer, responses=ReportOutput)
    def post(self, request, report_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_review(
            user=request.user, report_id=report_id, **serializer.validated_data
        )
        return Response(ReportOutput(report, context={"request": request}).data)


class ExtensionListApi(ApiView):
    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ExtensionListInput"

        status = serializers.ChoiceField(choices=ExtensionRequest.Status.choices, required=False)

    @extend_schema(
        summary="可见的延期申请",
        parameters=[FilterSerializer],
        responses=ExtensionOutput(many=True),
    )
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        requests = extension_requests_for_user(request.user).order_by("-created_at", "-id")
        if "status" in params.validated_data:
            requests = requests.filter(status=params.validated_data["status"])
        return _page(self, request, requests, ExtensionOutput)


class ExtensionDecideApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ExtensionDecideInput"

        approve = serializers.BooleanField()
        comment = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        summary="审批延期申请(协调员)", request=InputSerializer, responses=ExtensionOutput
    )
    def post(self, request, request_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.extension_request_decide(
            user=request.user, request_id=request_id, **serializer.validated_data
        )
        return Response(ExtensionOutput(extension).data)

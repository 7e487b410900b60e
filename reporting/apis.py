"""The reporting API: progress by region, unit and task, the matrix, overdue items."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.api import ApiView
from core.errors import NotFoundError
from core.params import IdParam
from regions.models import Unit
from reporting.progress import (
    ProgressFilters,
    overdue_list,
    plan_matrix,
    progress_by_region,
    progress_by_task,
    progress_by_unit,
)
from tasks_app.access import plans_for_user, regions_for_user
from tasks_app.models import Assignment
from tasks_app.selectors import today
from tasks_app.workdays import workdays_between


class FilterSerializer(serializers.Serializer):
    region = IdParam(required=False, help_text="区划 id;默认为用户负责的区划")
    plan = IdParam(required=False)
    due_from = serializers.DateField(required=False)
    due_to = serializers.DateField(required=False)
    as_of = serializers.DateField(required=False, help_text="按历史记录还原该日结束时的状态")
    state = serializers.ChoiceField(choices=Assignment.State.choices, required=False)

    class Meta:
        ref_name = "ProgressFilter"


class UnitFilterSerializer(FilterSerializer):
    kind = serializers.ChoiceField(choices=Unit.Kind.choices, required=False)

    class Meta:
        ref_name = "UnitProgressFilter"


class MatrixSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["county", "unit"], required=False, default="county")

    class Meta:
        ref_name = "MatrixFilter"


class RowOutput(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    assignments = serializers.IntegerField()
    done = serializers.IntegerField()
    done_on_time = serializers.IntegerField()
    overdue = serializers.IntegerField()
    returned = serializers.IntegerField()
    missed_reports = serializers.IntegerField()
    completion_rate = serializers.FloatField()
    on_time_rate = serializers.FloatField()


def _parse(request, serializer=FilterSerializer) -> tuple[ProgressFilters, object, dict]:
    params = serializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    user = request.user
    regions = regions_for_user(user)
    if "region" in data:
        region = regions.filter(pk=data["region"]).first()
        if region is None:
            raise NotFoundError("区划不存在。")
    else:
        region = user.region if user.region_id else None
    if region is None:
        raise NotFoundError("请指定区划(region)。")
    if "plan" in data and not plans_for_user(user).filter(pk=data["plan"]).exists():
        raise NotFoundError("工作要点不存在。")  # another region's plan: not a plan of theirs
    filters = ProgressFilters(
        plan_id=data.get("plan"),
        due_from=data.get("due_from"),
        due_to=data.get("due_to"),
        as_of=data.get("as_of"),
        state=data.get("state", ""),
    )
    return filters, region, data


def _paged(view, request, rows):
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset([r.as_dict() for r in rows], request, view=view)
    return paginator.get_paginated_response(RowOutput(page, many=True).data)


class RegionProgressApi(ApiView):
    @extend_schema(
        summary="各地进展:区划的下级(如各县市区),本级单位合为一行",
        parameters=[FilterSerializer],
        responses=RowOutput(many=True),
    )
    def get(self, request):
        filters, region, _data = _parse(request)
        return _paged(
            self, request, progress_by_region(user=request.user, region=region, filters=filters)
        )


class UnitProgressApi(ApiView):
    @extend_schema(
        summary="各单位进展", parameters=[UnitFilterSerializer], responses=RowOutput(many=True)
    )
    def get(self, request):
        filters, region, data = _parse(request, UnitFilterSerializer)
        kind = data.get("kind", "")
        rows = progress_by_unit(user=request.user, region=region, filters=filters, kind=kind)
        return _paged(self, request, rows)


class TaskProgressApi(ApiView):
    @extend_schema(
        summary="各任务进展", parameters=[FilterSerializer], responses=RowOutput(many=True)
    )
    def get(self, request):
        filters, _region, _data = _parse(request)
        return _paged(self, request, progress_by_task(user=request.user, filters=filters))


class MatrixApi(ApiView):
    @extend_schema(
        summary="进展矩阵:任务 × 县区(by=county)或单位(by=unit)",
        parameters=[MatrixSerializer],
        responses={200: dict},
    )
    def get(self, request, plan_id: int):
        params = MatrixSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        plan = plans_for_user(request.user).filter(pk=plan_id).select_related("region").first()
        if plan is None:
            raise NotFoundError("工作要点不存在。")
        by = params.validated_data["by"]
        matrix = plan_matrix(user=request.user, plan_id=plan.pk, region=plan.region, by=by)
        return Response(
            {
                "columns": [{"id": key or None, "name": name} for key, name in matrix.columns],
                "rows": [
                    {
                        "task": {"id": task.pk, "ref": task.ref, "title": task.title},
                        "cells": [
                            None
                            if c is None
                            else {
                                "assignment": c.assignment_id,
                                "assignments": c.total,
                                "done": c.done,
                                "overdue": c.overdue,
                                "progress": c.progress,
                                "light": c.light,
                            }
                            for c in cells
                        ],
                    }
                    for task, cells in matrix.rows
                ],
                "totals": [t.as_dict() for t in matrix.column_totals],
            }
        )


class OverdueApi(ApiView):
    class ItemOutput(serializers.Serializer):
        id = serializers.IntegerField()
        unit = serializers.CharField(source="unit.short_name")
        task_ref = serializers.CharField(source="task.ref")
        task_title = serializers.CharField(source="task.title")
        due_date = serializers.DateField()
        workdays_overdue = serializers.IntegerField()
        state = serializers.CharField()
        last_report_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        summary="逾期事项", parameters=[FilterSerializer], responses=ItemOutput(many=True)
    )
    def get(self, request):
        filters, _region, _data = _parse(request)
        items = overdue_list(user=request.user, filters=filters)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(items, request, view=self)
        on = filters.as_of or today()
        for item in page:
            item.workdays_overdue = -workdays_between(on, item.due_date)
        return paginator.get_paginated_response(self.ItemOutput(page, many=True).data)

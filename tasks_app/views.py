"""The unit users' pages: thin; forms validate, services act, selectors read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, ForbiddenError, NotFoundError
from core.params import bad_query, query_form
from regions.models import User
from tasks_app.access import (
    assignment_get_for_user,
    evidence_get_for_user,
    plans_for_user,
    require_own_unit,
)
from tasks_app.forms import ExtensionForm, FilterForm, ReportForm
from tasks_app.models import Assignment
from tasks_app.selectors import (
    LIGHTS,
    AssignmentFilters,
    assignment_list,
    assignment_timeline,
    assignments_with_status,
    last_reported_progress,
    last_return,
    lead_unit_view,
    task_ancestors,
    today,
    unit_assignment_counts,
)
from tasks_app.services import assignments as services
from tasks_app.workdays import calendar_warning, workdays_between

PAGE_SIZE = 30


@login_required
def home(request):
    user: User = request.user
    if user.role == User.Role.UNIT_USER and user.unit_id:
        return redirect("my_tasks")
    return render(request, "home.html", {"user": user})


@login_required
def my_tasks(request):
    user: User = request.user
    form = query_form(
        FilterForm,
        request,
        plans=plans_for_user(user).only("id", "title"),
        states=Assignment.State.choices,
    )
    if form.errors:
        return bad_query(request, form)
    data = form.cleaned_data
    filters = AssignmentFilters(
        plan_id=data.get("plan"),
        state=data.get("state") or "",
        due_soon=data.get("due") == "soon",
        overdue=data.get("due") == "overdue",
        search=data.get("q") or "",
        mine_only=user.role == User.Role.UNIT_USER,
    )
    page = Paginator(assignment_list(user=user, filters=filters), PAGE_SIZE).get_page(
        data.get("page")
    )
    counts = unit_assignment_counts(unit=user.unit) if user.unit_id else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tasks/my_tasks.html",
        {
            "form": form,
            "page": page,
            "lights": LIGHTS,
            "query": query.urlencode(),
            "state_counts": [(label, counts[value]) for value, label in Assignment.State.choices]
            if counts
            else None,
        },
    )


def _get(request, assignment_id: int) -> Assignment:
    try:
        return assignment_get_for_user(user=request.user, assignment_id=assignment_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


@login_required
def assignment_detail(request, assignment_id: int):
    return _detail(request, _get(request, assignment_id))


def _detail(request, assignment: Assignment, report_form: ReportForm | None = None):
    """The assignment's page; `report_form` is a refused report kept with what was typed."""
    status = assignments_with_status(Assignment.objects.filter(pk=assignment.pk)).get()
    user: User = request.user
    own = user.role == User.Role.UNIT_USER and user.unit_id == assignment.unit_id
    days = workdays_between(today(), assignment.due_date)
    calendar_note = calendar_warning(today(), assignment.due_date)
    if report_form is None:
        last = last_reported_progress(assignment)
        report_form = ReportForm(initial={"progress": last}, last_progress=last)
    return render(
        request,
        "tasks/assignment.html",
        {
            "a": assignment,
            "status": status,
            "light_label": LIGHTS[status.light],
            "ancestors": task_ancestors(assignment.task),
            "workdays_left": days,
            "workdays_overdue": -days,
            "calendar_warning": calendar_note,
            "timeline": assignment_timeline(assignment),
            "own": own,
            "returned": last_return(assignment),
            "report_form": report_form,
            "extension_form": ExtensionForm(),
            "pending_extension": assignment.extension_requests.filter(status="pending").first(),
            "partners": lead_unit_view(assignment, user),
        },
    )


def _act(request, assignment_id: int, action) -> None:
    try:
        action()
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ForbiddenError as exc:  # visible to them, but not theirs to act on
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)


def _may_report(request, assignment: Assignment) -> bool:
    try:
        require_own_unit(request.user, assignment)
    except ForbiddenError:
        return False
    return True


def _invalid(request, form, assignment_id: int):
    for errors in form.errors.values():
        messages.error(request, ";".join(errors))
    return redirect("assignment_detail", assignment_id=assignment_id)


@login_required
@require_POST
def assignment_sign(request, assignment_id: int):
    def sign():
        services.assignment_sign(user=request.user, assignment_id=assignment_id)
        messages.success(request, "已签收。")

    _act(request, assignment_id, sign)
    return redirect("assignment_detail", assignment_id=assignment_id)


@login_required
@require_POST
def assignment_report(request, assignment_id: int):
    assignment = _get(request, assignment_id)
    # progress going down must be confirmed (checked only where a report can be filed: the
    # service refuses the others with its own message)
    in_progress = assignment.state == Assignment.State.IN_PROGRESS
    last = last_reported_progress(assignment) if in_progress else None
    form = ReportForm(request.POST, request.FILES, last_progress=last)
    if not form.is_valid():
        if form.has_error("confirm_decrease") and _may_report(request, assignment):
            return _detail(request, assignment, report_form=form)
        return _invalid(request, form, assignment_id)

    def report():
        services.report_create(
            user=request.user,
            assignment_id=assignment_id,
            text=form.cleaned_data["text"],
            progress=form.cleaned_data["progress"],
            completion=form.cleaned_data["completion"],
            files=form.cleaned_data["files"],
            links=form.link_list(),
        )
        done = (
            "已提交办结申请,等待协调员审核。" if form.cleaned_data["completion"] else "进展已反馈。"
        )
        messages.success(request, done)

    _act(request, assignment_id, report)
    return redirect("assignment_detail", assignment_id=assignment_id)


@login_required
@require_POST
def assignment_extension(request, assignment_id: int):
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, assignment_id)

    def extend():
        services.extension_request_create(
            user=request.user,
            assignment_id=assignment_id,
            requested_due_date=form.cleaned_data["requested_due_date"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "延期申请已提交,等待协调员审批。")

    _act(request, assignment_id, extend)
    return redirect("assignment_detail", assignment_id=assignment_id)


@login_required
@require_POST
def digest_preference(request):
    """A user opts in or out of digest mails (never of deadline reminders or escalations)."""
    from regions.services import user_set_digest_preference

    user_set_digest_preference(
        user=request.user, receives=bool(request.POST.get("receives_digests"))
    )
    messages.success(request, "已保存邮件设置。")
    return redirect("my_tasks")


@login_required
def evidence_download(request, evidence_id: int):
    try:
        evidence = evidence_get_for_user(user=request.user, evidence_id=evidence_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    if not evidence.file:
        return redirect(evidence.url)
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.name or None
    )
    response["Content-Type"] = evidence.content_type or "application/octet-stream"
    return response

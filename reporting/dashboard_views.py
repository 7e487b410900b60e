"""The 督办驾驶舱 page: one plan's figures for a wall screen or a phone, drawn on the server
(inline SVG, no JS, nothing from a CDN)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.params import ID_MAX, bad_query, query_form
from reporting import dashboard
from reporting.views import may_see_progress
from tasks_app.access import plans_for_user
from tasks_app.selectors import today
from tasks_app.workdays import add_workdays, calendar_warning

# the line chart's drawing area, in SVG units (the SVG scales to the page's width)
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 52, 16, 16, 40


class DashboardForm(forms.Form):
    """Any id passes; a plan the user may not see is "not found" (404), as a path's id."""

    plan = forms.IntegerField(label="工作要点", required=False, min_value=1, max_value=ID_MAX)


def line_chart(points: list[dashboard.WeekPoint]) -> dict:
    """Geometry of the weekly line chart: x by week, y by rate (0–100%)."""
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    step = span_x / (len(points) - 1) if len(points) > 1 else 0

    def y(rate: float) -> float:
        return round(TOP + span_y * (1 - rate), 1)

    drawn = [
        {
            "x": round(LEFT + (i * step if len(points) > 1 else span_x / 2), 1),
            "done_y": y(p.completion_rate),
            "on_time_y": y(p.on_time_rate),
            "label": f"{p.week_end:%m-%d}",
            "completion": f"{p.completion_rate:.0%}",
            "on_time": f"{p.on_time_rate:.0%}",
            "point": p,
        }
        for i, p in enumerate(points)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 24,
        "grid": [{"y": y(r / 100), "label": f"{r}%"} for r in (0, 25, 50, 75, 100)],
        "points": drawn,
        "done_line": " ".join(f"{d['x']},{d['done_y']}" for d in drawn),
        "on_time_line": " ".join(f"{d['x']},{d['on_time_y']}" for d in drawn),
    }


def _bars(values: list[tuple[str, float, str]]) -> list[dict]:
    """Horizontal bars: (label, share of the longest 0–1, text), as percentages of width."""
    return [
        {"label": label, "width": round(share * 100, 1), "text": text}
        for label, share, text in values
    ]


def dashboard_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    may_see_progress(request)
    form = query_form(DashboardForm, request)
    if form.errors:
        return bad_query(request, form)
    chosen = form.cleaned_data["plan"]
    plan = dashboard.dashboard_plan(user=request.user, plan_id=chosen)
    if plan is None and chosen is not None:
        raise Http404
    on = today()
    context = {
        **admin_context,
        "title": "督办驾驶舱",
        "plan": plan,
        "plans": plans_for_user(request.user).order_by("-period_start", "-id").only("id", "title"),
        "on": on,
    }
    if plan is None:
        return render(request, "admin/tasks_app/dashboard.html", context)
    user = request.user
    series = dashboard.weekly_series(user=user, plan=plan, on=on)
    counties = dashboard.counties_ranked(user=user, plan=plan, on=on)
    overdue = dashboard.overdue_by_unit(user=user, plan=plan, on=on)
    most = max((u.overdue for u in overdue), default=0)
    soon = list(dashboard.due_soon(user=user, plan=plan, on=on)[:100])
    latest = series[-1] if series else None
    soon_until = add_workdays(on, dashboard.DUE_WORKDAYS)
    context.update(
        {
            "title": f"督办驾驶舱:{plan.title}",
            "latest": latest,
            "chart": line_chart(series),
            "counties": counties,
            "county_bars": _bars(
                [(r.name, r.completion_rate, f"{r.completion_rate:.0%}") for r in counties]
            ),
            "overdue_bars": _bars(
                [(u.name, u.overdue / most if most else 0, str(u.overdue)) for u in overdue]
            ),
            "changes": dashboard.week_changes(user=user, plan=plan, on=on),
            "soon": soon,
            "soon_until": soon_until,
            "calendar_note": calendar_warning(on, soon_until),
        }
    )
    return render(request, "admin/tasks_app/dashboard.html", context)

"""The models of plans and their life cycle, by concern: the plan (plans), what units are
given and file (assignments), imports (jobs), the holiday calendar (calendar)."""

from tasks_app.models.assignments import Assignment, Evidence, ExtensionRequest, ProgressReport
from tasks_app.models.calendar import HolidayDay, HolidayDayKind, HolidayYear
from tasks_app.models.choices import (
    AssignmentState,
    ExtensionStatus,
    PlanStatus,
    ReportCycle,
    ReportKind,
    ReviewStatus,
    Role,
    in_choices,
)
from tasks_app.models.jobs import ImportJob, ImportStatus
from tasks_app.models.plans import Responsibility, Task, WorkPlan

__all__ = [
    "Assignment",
    "AssignmentState",
    "Evidence",
    "ExtensionRequest",
    "ExtensionStatus",
    "HolidayDay",
    "HolidayDayKind",
    "HolidayYear",
    "ImportJob",
    "ImportStatus",
    "PlanStatus",
    "ProgressReport",
    "ReportCycle",
    "ReportKind",
    "Responsibility",
    "ReviewStatus",
    "Role",
    "Task",
    "WorkPlan",
    "in_choices",
]

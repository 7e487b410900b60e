"""Signals for listeners outside the work's own events (tasks_app.events): what notify and
reporting do that another app may want to pass on (hooks sends them to webhooks). Sent inside
the writing transaction, so a listener's rows commit with the change or not at all."""

from __future__ import annotations

from django.dispatch import Signal

# comment: the notify.Comment just written (assignment, its task and plan loaded)
commented = Signal()
# bulletin: the reporting.Bulletin just published (plan and region loaded)
bulletin_published = Signal()
# page: the reporting.PublicPlan just published or refreshed (plan loaded)
plan_published = Signal()

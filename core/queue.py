"""Queue a Celery task by its registered name. Services call this, so that no service imports
the task module that imports it (tasks are interfaces, like views); a test checks that every
name queued here is a registered task."""

from __future__ import annotations


def queue_task(task_name: str, *args) -> None:
    """Send `task_name(*args)` to the broker (call it after commit: transaction.on_commit)."""
    from celery import current_app

    current_app.send_task(task_name, args=list(args))

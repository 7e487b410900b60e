"""Writes to plans, tasks and assignments. Views, admin, commands and Celery tasks call these."""

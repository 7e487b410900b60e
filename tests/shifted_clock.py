"""Run a module as a program with the clock moved like the test run's (`--shift-clock`).

    python -m tests.shifted_clock celery -A config worker …

The processes the tests start (Celery workers) then see the same shifted date as the
tests themselves; without TEST_SHIFT_CLOCK_DAYS this is just `python -m <module>`.
"""

import datetime as dt
import os
import runpy
import sys

days = int(os.environ.get("TEST_SHIFT_CLOCK_DAYS") or 0)
if days:
    import time_machine

    time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True).start()

module = sys.argv[1]
sys.argv = [module, *sys.argv[2:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)

"""Scheduled work: the monthly statement, request reminders and turn nudges (see scheduler/jobs.py).

`run_due(sessions, now=…, default_timezone=…)` does what is due; `Scheduler` runs it every minute inside
`baton serve`; `remind(settings, date, time)` is `baton remind`.
"""

from __future__ import annotations

from scheduler.jobs import RunReport, run_due
from scheduler.runner import Scheduler, remind

__all__ = ["RunReport", "Scheduler", "remind", "run_due"]

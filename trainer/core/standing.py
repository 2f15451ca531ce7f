"""What a trainee's certification state rests on, without the day: the facts the reports store per trainee
and programme so that the state on any day is a comparison of stored dates with that day.

``certification.status`` decides a state from a ``Summary`` and a day. Only three things in it move with
the calendar: whether the latest certificate still holds and its renewal window is open (two dates), whether
the cohort's due date has passed (one date, read with the cohort), and glossary retention, which decays
(``recall_until``: the last day each card is still recalled, hence the last day a retention requirement is
met). Everything else — which requirements are met, met only by results awaiting a trainer, or touched —
is fixed until a result changes. Results count towards renewal from ``renew_from`` on whether or not the
window is open yet: before it opens the state is certified or re-test due, which never reads them.
"""
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import certification as rules

#: A glossary requirement that needs no term is met on every day.
FOREVER = date(9999, 12, 31)


@dataclass(frozen=True)
class Standing:
    expires_on: date | None = None
    renew_from: date | None = None
    ever_certified: bool = False
    retest_failed: bool = False
    unmet: int = 0
    unmet_pending: int = 0
    started: bool = False
    glossary_met_until: date | None = FOREVER
    glossary_started_until: date | None = None
    met: int = 0
    total: int = 0
    funnel: int = 1


def standing(programme, summary, glossary, today):
    """The trainee's ``Standing`` in ``programme``: ``glossary`` maps each glossary scope to
    ``(met until, recalled until)`` (``retention_until``); ``today`` is only passed on to the rules' checks,
    whose verdicts on the requirements other than glossary retention do not depend on it."""
    issued = [c for c in summary.certifications if c.programme == programme.key]
    latest = max(issued, key=lambda c: (c.certified_on, c.id or 0), default=None)
    cert = latest if latest is not None and latest.revoked_on is None else None
    since = rules.renew_from(programme, cert) if cert is not None else latest.revoked_on if latest is not None else None
    checks = [c for c in rules._checks(programme, summary, today, since) if c.requirement.kind != "glossary"]
    missing = [c for c in checks if not c.met]
    met_until, started_until = _glossary(programme, glossary)
    retest = cert is not None and any(not rules._check(programme, r, summary, today, None).met
                                      for r in rules._affected(programme, cert))
    return Standing(
        expires_on=cert.expires_on if cert else None, renew_from=since if cert else None,
        ever_certified=any(c.revoked_on is None for c in issued), retest_failed=retest,
        unmet=sum(not c.pending for c in missing), unmet_pending=sum(c.pending for c in missing),
        started=any(c.met or c.pending or c.touched for c in checks),
        glossary_met_until=met_until, glossary_started_until=started_until,
        met=len(checks) - len(missing), total=len(programme.requirements),
        funnel=funnel(programme, summary))


def _glossary(programme, glossary):
    """(the last day every glossary requirement is met, the last day one of them is met or touched)."""
    met_until, started_until = FOREVER, None
    for requirement in programme.requirements:
        if requirement.kind != "glossary":
            continue
        met, recalled = glossary.get(requirement.scope, (None, None))
        met_until = None if met is None or met_until is None else min(met_until, met)
        for day in (met, recalled):
            if day is not None and (started_until is None or day > started_until):
                started_until = day
    return met_until, started_until


def funnel(programme, summary):
    """How many of the team view's first five stages (member, started, lessons, exam, role-plays) were reached."""
    lessons = [r.key for r in programme.requirements if r.kind == "lesson"]
    exams = {r.key: r.min_percent or 0 for r in programme.requirements if r.kind == "exam"}
    scenarios = [r.key for r in programme.requirements if r.kind == "scenario"]
    records = summary.lessons
    reached = [True, any(k in records for k in lessons), all(k in records and records[k].studied for k in lessons),
               all(max((e.percent for e in summary.exams.get(k, ())), default=-1) >= m for k, m in exams.items()),
               all(any(s.passed_on is not None for s in summary.scenarios.get(k, ())) for k in scenarios)]
    return next((n for n, ok in enumerate(reached) if not ok), len(reached))


def retention_until(untils, terms, min_percent):
    """``(met until, recalled until)`` of a glossary requirement from each card's ``recall_until`` day.

    Met on a day when at least ``min_percent`` of ``terms`` are recalled: the n-th latest day, n the terms needed."""
    needed = next(n for n in range(terms + 1) if n * 100 >= min_percent * terms) if terms else 0
    ordered = sorted(untils, reverse=True)
    if needed == 0:
        met = FOREVER
    else:
        met = ordered[needed - 1] if len(ordered) >= needed else None
    return met, ordered[0] if ordered else None


def recall_until(last_review, stability, min_recall, zone):
    """The last local day on which the rules count the card recalled with ``min_recall``: whole days from the
    review to the end of that day at most ``stability`` × ``rules.recall_horizon(min_recall)``."""
    horizon = stability * rules.recall_horizon(min_recall)
    first = last_review.astimezone(zone).date()

    def recalled(day):
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        return math.floor((end - last_review).total_seconds() / 86400) <= horizon

    day = first + timedelta(days=max(0, math.floor(horizon)))
    while day >= first and not recalled(day):
        day -= timedelta(days=1)
    while recalled(day + timedelta(days=1)):
        day += timedelta(days=1)
    return day

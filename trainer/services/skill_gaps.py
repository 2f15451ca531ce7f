"""The skills a team lacks: the rubric key points and role-play checks its trainees most often miss, by cohort.

Each trainee counts once per short-answer item (their latest graded answer) and once per
scenario (their latest finished assessment run); a point or check is then "met by 40 % of the
trainees who were asked". Answers and runs awaiting a trainer wait until decided; the key
points and checks are the machine's reading (as in item analysis, which treats checks the same way).

Those marks are stored per trainee and item or scenario when a grade is final (``skill_marks``, kept by
``report_tables``); trainees share the same marks often, so one query counts the trainees per cohort
and distinct marks, and only those few distinct marks are spread over their points and checks here.
"""
import json
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cohort, QuizItem, Scenario, SkillMark, User
from .grading import item_of

#: Fewer trainees than this make a share too noisy to rank.
MIN_ASKED = 5


@dataclass(frozen=True)
class Gap:
    """One key point or check: how many of the trainees asked met it."""

    kind: str  # "point" (a rubric key point of a short answer) or "check" (a role-play check)
    content_key: str
    content_title: str
    part: str
    label: str
    met: int
    asked: int

    @property
    def percent(self):
        return round(100 * self.met / self.asked) if self.asked else 0


def gaps(trainees, top=10):
    """``(overall, by_cohort)``: the most-missed points and checks of ``trainees`` (a SELECT of ids), and for each
    of those the share per cohort ``{cohort name: {(kind, key, part): (met, asked)}}``."""
    patterns = _counted(trainees)
    names = _cohort_names({cohort_id for cohort_id, *_ in patterns})
    marks = _Parsed()
    overall_patterns = Counter()
    for (_cohort, kind, key, pattern), n in patterns.items():
        overall_patterns[kind, key, pattern] += n
    tallies = _tally(overall_patterns.items(), marks)
    labels, titles = _labels({(kind, key) for kind, key, _ in tallies})
    ranked = sorted(((kind, key, part, met, asked) for (kind, key, part), (met, asked) in tallies.items()
                     if asked >= MIN_ASKED and (kind, key, part) in labels),
                    key=lambda g: (g[3] / g[4], -g[4], g[1], g[2]))
    overall = [Gap(kind, key, titles.get((kind, key), key), part, labels[kind, key, part], met, asked)
               for kind, key, part, met, asked in ranked[:top]]
    wanted = {(g.kind, g.content_key, g.part) for g in overall}
    per_cohort = defaultdict(list)
    for (cohort_id, kind, key, pattern), n in patterns.items():
        per_cohort[names.get(cohort_id)].append(((kind, key, pattern), n))
    marks = _Wanted(marks, wanted)
    by_cohort = {cohort: _tally(counted, marks)
                 for cohort, counted in sorted(per_cohort.items(), key=lambda item: (item[0] is None, item[0] or ""))}
    return overall, by_cohort


class _Parsed(dict):
    """``(kind, key, marks text)`` → ``((part, met), …)``, each distinct one parsed once."""

    def __missing__(self, entry):
        self[entry] = tuple((part, bool(met)) for part, met in json.loads(entry[2]))
        return self[entry]


class _Wanted(dict):
    """``(kind, key, marks text)`` → only the marks of the ``wanted`` parts, worked out once per distinct text."""

    def __init__(self, parsed, wanted):
        super().__init__()
        self.parsed, self.wanted = parsed, wanted

    def __missing__(self, entry):
        kind, key, _text = entry
        self[entry] = tuple((part, met) for part, met in self.parsed[entry] if (kind, key, part) in self.wanted)
        return self[entry]


def _tally(counted, marks_of):
    """``{(kind, key, part): (met, asked)}`` from ``[((kind, key, marks text), trainees)]``."""
    tallies = defaultdict(lambda: [0, 0])
    for entry, n in counted:
        kind, key, _text = entry
        for part, met in marks_of[entry]:
            tally = tallies[kind, key, part]
            tally[0] += n * met
            tally[1] += n
    return {k: tuple(v) for k, v in tallies.items()}


def _counted(trainees):
    """``{(cohort id, kind, content key, marks text): trainees}`` from the stored marks (one aggregated query)."""
    return {(cohort_id, kind, key, marks): n for cohort_id, kind, key, marks, n in db.session.execute(
        select(User.cohort_id, SkillMark.kind, SkillMark.content_key, SkillMark.marks, func.count())
        .join(User, User.id == SkillMark.user_id).where(SkillMark.user_id.in_(trainees))
        .group_by(User.cohort_id, SkillMark.kind, SkillMark.content_key, SkillMark.marks))}


def _cohort_names(ids):
    ids = [i for i in ids if i is not None]
    return dict(db.session.execute(select(Cohort.id, Cohort.name).where(Cohort.id.in_(ids))).all()) if ids else {}


def _labels(contents):
    """Labels of the points and checks, and titles of the items and scenarios (current versions)."""
    labels, titles = {}, {}
    items = [key for kind, key in contents if kind == "point"]
    for row in db.session.scalars(select(QuizItem).where(QuizItem.key.in_(items))) if items else ():
        titles["point", row.key] = row.definition.get("prompt", row.key)
        rubric = item_of(row).rubric
        for point in rubric.points if rubric else ():
            labels["point", row.key, point.id] = point.label
    scenarios = [key for kind, key in contents if kind == "check"]
    for row in db.session.scalars(select(Scenario).where(Scenario.key.in_(scenarios))) if scenarios else ():
        titles["check", row.key] = row.title
        for check in row.definition.get("checks", []):
            labels["check", row.key, check["id"]] = check["label"]
    return labels, titles

"""The skills a team lacks: the rubric key points and role-play checks its trainees most often miss, by cohort.

Each trainee counts once per short-answer item (their latest graded answer) and once per
scenario (their latest finished assessment run); a point or check is then "met by 40 % of the
trainees who were asked". Answers and runs awaiting a trainer wait until decided; the key
points and checks are the machine's reading (as in item analysis, which treats checks the same way).

Those marks are stored per trainee and item or scenario when a grade is final (``skill_marks``, kept by
``report_tables``); trainees share the same marks often, so one query counts the trainees per cohort
and distinct marks, and only those few distinct marks are spread over their points and checks here.
"""
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
    counted = _counted(trainees)
    names = _cohort_names({cohort_id for cohort_id, *_ in counted})
    overall_counts = Counter()
    for (_cohort, kind, key, text), n in counted.items():
        overall_counts[kind, key, text] += n
    met, asked = defaultdict(Counter), defaultdict(Counter)
    for (kind, key, text), n in overall_counts.items():
        hits, misses = _parts(text)
        met_here, asked_here = met[kind, key], asked[kind, key]
        for part in hits:  # plain loops: Counter.update's type checks cost more than these few parts
            met_here[part] += n
            asked_here[part] += n
        for part in misses:
            asked_here[part] += n
    labels, titles = _labels(set(asked))
    ranked = sorted(((kind, key, part, met[kind, key][part], n) for (kind, key), parts in asked.items()
                     for part, n in parts.items() if n >= MIN_ASKED and (kind, key, part) in labels),
                    key=lambda g: (g[3] / g[4], -g[4], g[1], g[2]))
    overall = [Gap(kind, key, titles.get((kind, key), key), part, labels[kind, key, part], hits, n)
               for kind, key, part, hits, n in ranked[:top]]
    return overall, _by_cohort(counted, names, overall)


def _parts(text):
    """``(met part ids, missed part ids)`` of a stored marks text."""
    hits, misses = text.split("|")
    return hits.split(), misses.split()


def _by_cohort(counted, names, overall):
    """``{cohort name: {(kind, key, part): (met, asked)}}`` for the parts of ``overall`` only."""
    wanted = defaultdict(list)
    for gap in overall:
        wanted[gap.kind, gap.content_key].append(gap.part)
    found = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (cohort_id, kind, key, text), n in counted.items():
        parts = wanted.get((kind, key))
        if not parts:
            continue
        hits, misses = _parts(text)
        for part in parts:
            if part in hits or part in misses:
                tally = found[names.get(cohort_id)][kind, key, part]
                tally[0] += n * (part in hits)
                tally[1] += n
    return {cohort: {k: tuple(v) for k, v in found[cohort].items()}
            for cohort in sorted(found, key=lambda name: (name is None, name or ""))}


def _counted(trainees):
    """``{(cohort id, kind, content key, marks text): trainees}`` from the stored marks (one aggregated query)."""
    _room_to_group_in_memory()
    return {(cohort_id, kind, key, marks): n for cohort_id, kind, key, marks, n in db.session.execute(
        select(User.cohort_id, SkillMark.kind, SkillMark.content_key, SkillMark.marks, func.count())
        .join(User, User.id == SkillMark.user_id).where(SkillMark.user_id.in_(trainees))
        .group_by(User.cohort_id, SkillMark.pattern, SkillMark.kind, SkillMark.content_key, SkillMark.marks))}


def _room_to_group_in_memory():
    """On PostgreSQL, give this transaction's sorts and hashes 32 MB (the default is 4 MB).

    10,000 trainees' marks are some 7 MB to group: at the default PostgreSQL sorts them on disk, which doubles the
    query's time. ``SET LOCAL`` ends with the transaction, so no other request gets the larger allowance."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.text("SET LOCAL work_mem = '32MB'"))


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

"""The review queue's pure rules: group answers so one wording is decided once, and add a wording to a rubric.

Two answers to the same item version join one group when the machine read them the same way
(same score, same points earned, same points missed for the same reason) and their normalised
texts are identical or near-identical. The machine's reading is part of the key on purpose:
「先道歉，再补发」 and 「先不道歉，再补发」 are 95 % alike as text but say opposite things, and
the grader saw it; a trainer deciding one must not silently decide the other.
"""
import copy
from dataclasses import dataclass

from rapidfuzz import fuzz

from .text import normalise

#: rapidfuzz ratio (0–100) of two normalised answers from which they count as near-identical.
NEAR_IDENTICAL = 90
#: The content schema's limit for one alias.
MAX_ALIAS = 200


@dataclass(frozen=True)
class Pending:
    """One answer awaiting review, as plain values."""

    id: int
    item_key: str
    item_version: int
    text: str
    #: ``signature(result)``: how the machine read the answer.
    reading: tuple = ()


@dataclass(frozen=True)
class Group:
    item_key: str
    item_version: int
    #: Member ids in the order given (oldest first); the first one stands for the group.
    ids: tuple[int, ...]
    #: True when every member has the same normalised text.
    identical: bool

    @property
    def first(self):
        return self.ids[0]


def signature(result):
    """How the machine read an answer, from ``GradeResult.to_dict()``: score, points earned, misses and why."""
    points = result.get("points") or {}
    earned = tuple(sorted(e["point"] for e in points.get("earned", [])))
    missed = tuple(sorted((e["point"], e.get("how", "missing")) for e in points.get("missed", [])))
    order = (result.get("order") or {}).get("earned")
    return (result.get("score"), earned, missed, order)


def group_answers(pending, threshold=NEAR_IDENTICAL):
    """Group ``pending`` answers (oldest first); groups come in the order of their oldest member.

    Each answer joins the first group whose first member it matches exactly or at least
    ``threshold`` alike (comparing with the first member, not the latest, keeps a chain of
    small edits from drifting into a different answer); otherwise it starts a group.
    """
    members, identical, exact, leaders = [], [], {}, {}
    for answer in pending:
        text = normalise(answer.text).text
        kind = (answer.item_key, answer.item_version, answer.reading)
        index = exact.get((kind, text))
        if index is None:
            index = next((i for leader, i in leaders.get(kind, ()) if fuzz.ratio(text, leader) >= threshold), None)
            if index is not None:
                identical[index] = False
        if index is None:
            index = len(members)
            members.append([])
            identical.append(True)
            leaders.setdefault(kind, []).append((text, index))
        exact.setdefault((kind, text), index)
        members[index].append(answer)
    return [Group(item_key=group[0].item_key, item_version=group[0].item_version,
                  ids=tuple(a.id for a in group), identical=same)
            for group, same in zip(members, identical)]


def rubric_points(definition):
    """``[(point id, label), …]`` of a short-answer item definition."""
    points = (definition.get("rubric") or {}).get("points", [])
    return [(p.get("id", f"p{n + 1}"), p["label"]) for n, p in enumerate(points)]


def first_missed(result):
    """The first rubric point the grader did not award: the likeliest one a trainee's wording should earn."""
    missed = (result.get("points") or {}).get("missed", [])
    return missed[0]["point"] if missed else None


class AliasError(ValueError):
    """The wording cannot be added; ``code`` says why: unknown_point, empty, too_long, already_accepted."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def with_alias(definition, point_id, wording):
    """A copy of an item definition with ``wording`` accepted for rubric point ``point_id``."""
    wording = (wording or "").strip()
    if not normalise(wording).text:
        raise AliasError("empty")
    if len(wording) > MAX_ALIAS:
        raise AliasError("too_long")
    changed = copy.deepcopy(definition)
    points = (changed.get("rubric") or {}).get("points", [])
    number = next((n for n, p in enumerate(points) if p.get("id", f"p{n + 1}") == point_id), None)
    if number is None:
        raise AliasError("unknown_point")
    if normalise(wording).text in {normalise(alias).text for alias in points[number]["aliases"]}:
        raise AliasError("already_accepted")
    points[number]["aliases"].append(wording)
    # the data as written (what export and the editors show) learns the wording too
    source_points = ((changed.get("source") or {}).get("rubric") or {}).get("points", [])
    if number < len(source_points):
        source_points[number].setdefault("aliases", []).append(wording)
    return changed

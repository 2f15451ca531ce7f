"""The role-play engine: a conversation as a plain, serialisable ``Run`` and one step per reply.

The customer moves through the scenario's stages. A reply meets checks (what it achieved)
and may break critical rules; the customer's mood (0 暴怒 … 4 满意) follows, and the customer
calms down, insists, escalates or leaves. A stage ends when everything it needs has been
met, or after ``max_turns`` replies with the chance lost. A stage whose needs were all met
earlier is skipped (the agent got there first), and so is one whose mood condition does not
hold. ``take_reply`` never changes the run it is given: the web layer stores each new run.
"""
import json
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .analysis import analyse

#: Seconds for a reply to count in full, and in half (the platforms' and service plan's clocks).
FIRST_REPLY_FULL = 30
LATER_REPLY_FULL = 180
REPLY_HALF = 300
#: Practice relaxes the clock by this factor.
PRACTICE_CLOCK = 3
#: Three replies this alike in a row are one canned reply sent again and again.
CANNED_SIMILARITY = 90
MOOD_MIN, MOOD_MAX = 0, 4
#: Match kinds that are not sure enough to fail an attempt on.
UNSURE = ("homophone", "fuzzy")
#: A customer at the lowest mood who is upset again this many times leaves the chat.
STRIKES_TO_LEAVE = 2


class RunFinished(Exception):
    """The conversation is over; a finished run takes no more replies."""


@dataclass
class Run:
    """Everything about one conversation so far; ``to_dict``/``from_dict`` for storage."""

    scenario: str
    mode: str
    mood: int
    stage: int = 0
    stage_turns: int = 0
    #: None while talking; "completed", "left" (the customer gave up) or "stopped" (by the trainee).
    ended: str | None = None
    turns: list = field(default_factory=list)
    #: check id → ``{"turn": n, "words", "span", "how", ["typos"]}``: where it was first met.
    met: dict = field(default_factory=dict)
    #: Stage ids skipped because their mood condition did not hold (their checks are not applicable).
    skipped: list = field(default_factory=list)
    #: Stage ids skipped because the agent had already met all they need.
    covered: list = field(default_factory=list)
    #: Stage ids given up after ``max_turns`` replies.
    lost: list = field(default_factory=list)
    violations: list = field(default_factory=list)
    #: Critical wordings found only as a typo or near miss: not counted, but a trainer looks.
    suspected: list = field(default_factory=list)
    #: 消极接待: ``{"turn": n, "reason": "canned" | "ignored"}``.
    passive: list = field(default_factory=list)
    ignored_in_a_row: int = 0
    #: Replies that upset a customer who was already at the lowest mood; at two they leave.
    strikes: int = 0
    replies: int = 0

    def to_dict(self):
        # a JSON round trip is a deep copy several times faster than ``asdict`` on a long chat
        return json.loads(json.dumps(self.__dict__, ensure_ascii=False))

    @classmethod
    def from_dict(cls, data):
        return cls(**json.loads(json.dumps(data, ensure_ascii=False)))

    @property
    def agent_turns(self):
        return [t for t in self.turns if t["who"] == "agent"]

    @property
    def customer_waiting(self):
        """The customer's last message, which the agent has not answered yet."""
        return self.turns[-1] if self.turns and self.turns[-1]["who"] == "customer" and not self.ended else None


def start(scenario, mode="assessment"):
    """A new run: the customer has just sent the opening message."""
    run = Run(scenario=scenario.id, mode=mode, mood=scenario.customer.mood)
    _customer(run, scenario.opening.for_mood(run.mood), "opens", scenario.stages[0].id)
    return run


def take_reply(scenario, run, text, seconds):
    """The run after the agent sends ``text``, ``seconds`` after the customer's last message."""
    if run.ended:
        raise RunFinished(run.ended)
    run = Run.from_dict(run.to_dict())
    run.replies += 1
    number = run.replies
    stage = scenario.stages[run.stage]
    analysis = analyse(scenario, text)
    new = {cid: hit for cid, hit in analysis.checks.items() if cid not in run.met and _counts(scenario, run, cid)}
    for cid, hit in new.items():
        run.met[cid] = {"turn": number, **hit.to_dict()}
    found = [_violation(scenario, rule, hit, number, analysis.text) for rule, hit in analysis.violations]
    broken = [v for v in found if v["how"] not in UNSURE]
    run.violations += broken
    run.suspected += [v for v in found if v["how"] in UNSURE]
    credit, limit = reply_credit(number, seconds, run.mode)
    passive = _passive(run, stage, analysis, new, number)
    run.turns.append({"who": "agent", "n": number, "text": analysis.text, "norm": analysis.normalised,
                      "seconds": round(float(seconds), 1), "credit": credit, "limit": limit, "stage": stage.id,
                      "met": sorted(new), "violations": [v["rule"] for v in broken], "passive": passive})

    delta = min(sum(scenario.check(cid).mood for cid in new), 2) - 2 * bool(broken) - len(passive) - (credit < 1)
    resolved = all(need in run.met for need in stage.needs)
    run.stage_turns += 1
    gave_up = not resolved and run.stage_turns >= stage.max_turns
    if gave_up:
        run.lost.append(stage.id)
        delta -= 1
    if run.mood == MOOD_MIN and delta < 0:
        run.strikes += 1
    leaves = run.strikes >= STRIKES_TO_LEAVE
    run.mood = max(MOOD_MIN, min(MOOD_MAX, run.mood + delta))
    if leaves:
        run.ended = "left"
        _customer(run, scenario.customer.leaves.for_mood(run.mood), "leaves", stage.id)
    elif resolved or gave_up:
        if broken:
            _customer(run, scenario.customer.escalates.for_mood(run.mood), "escalates", stage.id)
        _next_stage(scenario, run, "gives_up" if gave_up else ("calms" if delta > 0 else "moves_on"))
    else:
        if broken:
            _customer(run, scenario.customer.escalates.for_mood(run.mood), "escalates", stage.id)
        reaction = "escalates" if delta < 0 else ("calms" if delta > 0 else "insists")
        _customer(run, stage.insist.for_mood(run.mood), reaction, stage.id)
    return run


def stop(run):
    """The trainee ends the conversation; what was not done stays missed."""
    if run.ended:
        raise RunFinished(run.ended)
    run = Run.from_dict(run.to_dict())
    run.ended = "stopped"
    return run


def reply_credit(number, seconds, mode):
    """``(credit, full-marks limit)`` of a reply: 1 in time, 0.5 up to five minutes, else 0."""
    factor = PRACTICE_CLOCK if mode == "practice" else 1
    full = (FIRST_REPLY_FULL if number == 1 else LATER_REPLY_FULL) * factor
    if seconds <= full:
        return 1.0, full
    return (0.5 if seconds <= REPLY_HALF * factor else 0.0), full


def current_stage(scenario, run):
    return scenario.stages[min(run.stage, len(scenario.stages) - 1)]


def hint(scenario, run):
    """Practice help for the current stage: what to aim for and model wordings of what is missing."""
    stage = current_stage(scenario, run)
    missing = [scenario.check(cid) for cid in stage.needs if cid not in run.met]
    return {"hint": stage.hint, "missing": [{"label": c.label, "model": c.model} for c in missing]}


def _counts(scenario, run, check_id):
    check = scenario.check(check_id)
    if check.within and run.replies > check.within:
        return False
    return not check.stage or (check.stage not in run.skipped and run.stage >= scenario.stage_index(check.stage))


def _violation(scenario, rule, hit, number, text):
    if rule is None:  # compensation beyond the agent's authority
        limit = scenario.order.policy.compensation_limit
        return {"rule": "over_promise", "label": f"补偿超出客服权限（上限 {limit:g} 元）", "turn": number,
                "message": text, "how": hit.how, "words": hit.words, "span": list(hit.span), "lesson": None}
    return {"rule": rule.id, "label": rule.label, "turn": number, "message": text, "how": hit.how,
            "words": hit.words, "span": list(hit.span), "lesson": rule.lesson}


def _passive(run, stage, analysis, new, number):
    """消极接待: a canned reply the third time in a row, or the second reply running that ignores
    the customer (it meets nothing new and nothing the stage is about)."""
    found = []
    relevant = new or any(cid in analysis.checks for cid in stage.needs)
    run.ignored_in_a_row = 0 if relevant else run.ignored_in_a_row + 1
    if run.ignored_in_a_row >= 2:
        found.append("ignored")
        run.ignored_in_a_row = 0
    previous = [t for t in run.turns if t["who"] == "agent"][-2:]
    if (len(previous) == 2 and not previous[-1]["passive"].count("canned")
            and all(fuzz.ratio(t["norm"], analysis.normalised) >= CANNED_SIMILARITY for t in previous)):
        found.append("canned")
    run.passive += [{"turn": number, "reason": reason} for reason in found]
    return found


def _next_stage(scenario, run, reaction):
    index = run.stage + 1
    while index < len(scenario.stages):
        stage = scenario.stages[index]
        if stage.if_mood_below is not None and run.mood >= stage.if_mood_below:
            run.skipped.append(stage.id)
        elif all(need in run.met for need in stage.needs):
            run.covered.append(stage.id)
        else:
            break
        index += 1
    run.stage, run.stage_turns = index, 0
    if index >= len(scenario.stages):
        run.ended = "completed"
        _customer(run, scenario.closing.for_mood(run.mood), "done", None)
    else:
        _customer(run, scenario.stages[index].says.for_mood(run.mood), reaction, scenario.stages[index].id)


def _customer(run, text, reaction, stage_id):
    run.turns.append({"who": "customer", "text": text, "mood": run.mood, "reaction": reaction, "stage": stage_id})

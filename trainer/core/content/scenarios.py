"""Role-play scenarios (``content/scenarios/*.yaml``), the shared critical rules and the
calibration transcripts that every scenario must reproduce.

A scenario is checked as a whole when it is loaded: stage and check ids are unique, every
stage's ``needs`` names a check, a check's ``stage`` names a stage, patterns compile, and the
conversation can always end (the last stage has no mood condition).
"""
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ..errors import ContentError, ContentInvalid
from ..grading.matching import Alias
from .manual import ID_PATTERN
from .source import StrictModel, decode_utf8, field_name, parse_yaml, validate
from .synonyms import expand

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
CheckId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")]
StageId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,40}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Mood = Annotated[int, Field(ge=0, le=4)]

KINDS = ("after_sales", "complaint", "pre_sales")
#: Rubric categories in display order with the default weights of a CS quality team.
#: Pre-sales scenarios score ``sales`` (推荐与促成) where others score ``recovery`` (补偿与挽回).
CATEGORIES = ("opening", "empathy", "facts", "solution", "recovery", "sales", "closing", "timing")
DEFAULT_WEIGHTS = {"opening": 10, "empathy": 15, "facts": 15, "solution": 25, "recovery": 10,
                   "closing": 10, "timing": 15}
PRE_SALES_WEIGHTS = {**{k: v for k, v in DEFAULT_WEIGHTS.items() if k != "recovery"}, "sales": 10}
#: How much a newly met check of a category calms the customer, unless the check says otherwise.
MOOD_EFFECT = {"empathy": 1, "solution": 1, "recovery": 1, "sales": 1}
RULE_IDS = ("insult", "buck_passing", "over_promise", "off_platform", "impersonation", "refuse_after_sales")
#: Mood 0–4; the bands that line variants are chosen by.
MOOD_BANDS = {0: "angry", 1: "angry", 2: "upset", 3: "calm", 4: "calm"}
ORDER_FACTS = ("number", "product", "amount", "logistics")


# --- file schemas -------------------------------------------------------------------------

class LinesModel(StrictModel):
    default: Text
    angry: Text | None = None
    upset: Text | None = None
    calm: Text | None = None


Lines_ = Text | LinesModel


class PolicyModel(StrictModel):
    return_days: Annotated[int, Field(ge=0, le=365)]
    shipping_insurance: bool
    #: The most the agent may give on their own (红包, 补偿) in yuan.
    compensation_limit: Annotated[float, Field(ge=0, le=10000)]
    #: Whether the customer's after-sales request is valid; refusing a valid one is critical.
    after_sales_valid: bool
    notes: list[Text] = []


class OrderModel(StrictModel):
    number: Annotated[str, StringConstraints(pattern=r"^\d{6,24}$")]
    product: Short
    amount: Annotated[float, Field(gt=0, le=1000000)]
    status: Short
    logistics: Short
    policy: PolicyModel


class CustomerModel(StrictModel):
    name: Short
    profile: Text
    mood: Mood
    leaves: Lines_
    escalates: Lines_


class CheckModel(StrictModel):
    id: CheckId
    category: Literal[CATEGORIES]
    label: Short
    aliases: list[Short] = []
    all_of: list[Annotated[list[Short], Field(min_length=1)]] = []
    patterns: list[Short] = []
    #: Order-card fields whose values count as evidence (e.g. the order number).
    facts: list[Literal[ORDER_FACTS]] = []
    #: Only counts from this stage on, and is not applicable when that stage is skipped.
    stage: StageId | None = None
    #: Only counts in the first N replies (a greeting belongs in the first).
    within: Annotated[int, Field(ge=1, le=20)] | None = None
    mood: Annotated[int, Field(ge=-2, le=2)] | None = None
    model: Text
    lesson: Id | None = None

    @model_validator(mode="after")
    def _has_evidence(self):
        if not (self.aliases or self.patterns or self.facts):
            raise ValueError("a check needs aliases, patterns or facts as evidence")
        return self


class RuleModel(StrictModel):
    id: Literal[RULE_IDS]
    label: Short
    aliases: list[Short] = []
    patterns: list[Short] = []
    #: Wordings that show the trigger is harmless in this reply (「平台内」 next to 「微信」…).
    unless: list[Short] = []
    #: ``after_sales_valid``: the rule only applies when the order's policy says so.
    applies_if: Literal["after_sales_valid"] | None = None
    lesson: Id | None = None

    @model_validator(mode="after")
    def _has_trigger(self):
        if not (self.aliases or self.patterns):
            raise ValueError("a rule needs aliases or patterns")
        return self


class SuggestionModel(StrictModel):
    text: Text
    #: Why it is (not) a good reply, shown after it is picked in practice.
    note: Short | None = None


class StageModel(StrictModel):
    id: StageId
    #: What the customer says on reaching the stage (the first stage uses ``opening``).
    says: Lines_ | None = None
    needs: Annotated[list[CheckId], Field(min_length=1)]
    insist: Lines_
    max_turns: Annotated[int, Field(ge=1, le=6)] = 3
    #: Played only when the customer's mood is below this on reaching the stage.
    if_mood_below: Annotated[int, Field(ge=1, le=5)] | None = None
    hint: Text
    suggestions: Annotated[list[SuggestionModel], Field(min_length=2, max_length=4)]


class RubricModel(StrictModel):
    weights: dict[Literal[CATEGORIES], Annotated[int, Field(ge=0, le=100)]]

    @model_validator(mode="after")
    def _sum(self):
        if sum(self.weights.values()) != 100:
            raise ValueError(f"weights add up to {sum(self.weights.values())}, not 100")
        return self


class ScenarioMeta(StrictModel):
    id: Id
    title: Short
    kind: Literal[KINDS]
    platform: Short
    situation: Text
    lessons: Annotated[list[Id], Field(min_length=1)]
    pass_mark: Annotated[int, Field(ge=1, le=100)] = Field(default=80, alias="pass")
    customer: CustomerModel
    order: OrderModel
    opening: Lines_
    closing: Lines_
    rubric: RubricModel | None = None
    checks: Annotated[list[CheckModel], Field(min_length=3)]
    critical: list[RuleModel] = []
    stages: Annotated[list[StageModel], Field(min_length=2, max_length=12)]


class CalibrationModel(StrictModel):
    """A calibration transcript written inside the scenario (how the browser editor keeps them)."""

    name: CheckId
    expect: Literal["pass", "fail", "critical"]
    rules: list[Literal[RULE_IDS]] = []
    replies: Annotated[list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]],
                       Field(min_length=1, max_length=40)]


class ScenarioFile(StrictModel):
    scenario: ScenarioMeta
    calibration: list[CalibrationModel] = []


class RulesFile(StrictModel):
    version: Annotated[int, Field(ge=1)]
    rules: Annotated[list[RuleModel], Field(min_length=1)]


# --- value objects ------------------------------------------------------------------------

@dataclass(frozen=True)
class Lines:
    """A customer line with variants by mood band."""

    default: str
    variants: tuple[tuple[str, str], ...] = ()

    def for_mood(self, mood):
        return dict(self.variants).get(MOOD_BANDS[mood], self.default)


@dataclass(frozen=True)
class Policy:
    return_days: int
    shipping_insurance: bool
    compensation_limit: float
    after_sales_valid: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Order:
    number: str
    product: str
    amount: float
    status: str
    logistics: str
    policy: Policy


@dataclass(frozen=True)
class Customer:
    name: str
    profile: str
    mood: int
    leaves: Lines
    escalates: Lines


@dataclass(frozen=True)
class Check:
    id: str
    category: str
    label: str
    aliases: tuple[Alias, ...]
    all_of: tuple[tuple[Alias, ...], ...]
    patterns: tuple[re.Pattern, ...]
    stage: str | None
    within: int | None
    mood: int
    model: str
    lesson: str


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    aliases: tuple[Alias, ...]
    patterns: tuple[re.Pattern, ...]
    unless: tuple[Alias, ...]
    applies_if: str | None
    lesson: str | None


@dataclass(frozen=True)
class Suggestion:
    text: str
    note: str | None


@dataclass(frozen=True)
class Stage:
    id: str
    says: Lines | None
    needs: tuple[str, ...]
    insist: Lines
    max_turns: int
    if_mood_below: int | None
    hint: str
    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    kind: str
    platform: str
    situation: str
    lessons: tuple[str, ...]
    pass_mark: int
    customer: Customer
    order: Order
    opening: Lines
    closing: Lines
    weights: tuple[tuple[str, int], ...]
    checks: tuple[Check, ...]
    rules: tuple[Rule, ...]
    stages: tuple[Stage, ...]
    #: The validated file data, synonyms and shared rules merged in: what the database stores.
    definition: dict
    source: str = ""

    @property
    def transcripts(self):
        """Calibration transcripts written inside the scenario (files may also keep them apart)."""
        return tuple(Transcript(scenario=self.id, name=c["name"], source=self.source, expect=c["expect"],
                                rules=tuple(c.get("rules", ())), replies=tuple((r, 0.0) for r in c["replies"]))
                     for c in self.definition.get("calibration", ()))

    def check(self, check_id):
        return next(c for c in self.checks if c.id == check_id)

    def stage_index(self, stage_id):
        return next(i for i, s in enumerate(self.stages) if s.id == stage_id)


@dataclass(frozen=True)
class Transcript:
    """A calibration transcript: the agent's replies and the verdict they must get."""

    scenario: str
    name: str
    source: str
    #: "pass", "fail" or "critical"
    expect: str
    #: For "critical": the rule ids that must be among the violations.
    rules: tuple[str, ...]
    replies: tuple[tuple[str, float], ...]


# --- loading ------------------------------------------------------------------------------

def parse_rules_file(data, path, synonyms):
    """``content/scenarios/critical.yaml`` → plain rule dicts, synonyms expanded."""
    values, lines = parse_yaml(decode_utf8(data, path), path)
    parsed = validate(RulesFile, values, lines, path)
    errors, rules = [], []
    for index, model in enumerate(parsed.rules):
        where = ("rules", index)
        rule = model.model_dump(exclude_none=True)
        errors += _expand_fields(rule, ("aliases", "unless"), synonyms, path, lines.get(where), f"rules[{index}]")
        errors += _pattern_errors(rule["patterns"], path, lines.get(where + ("patterns",)), f"rules[{index}].patterns")
        rules.append(rule)
    ids = [rule["id"] for rule in rules]
    for rule_id in sorted(set(RULE_IDS) - set(ids)):
        errors.append(ContentError(path, lines.get(("rules",)), "rules", f"rule '{rule_id}' is missing"))
    for rule_id in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(ContentError(path, lines.get(("rules",)), "rules", f"rule '{rule_id}' is defined twice"))
    if errors:
        raise ContentInvalid(errors)
    return rules


def parse_scenario_file(data, path, synonyms, shared_rules):
    """One scenario file → ``Scenario``; raises ``ContentInvalid`` with every problem."""
    values, lines = parse_yaml(decode_utf8(data, path), path)
    return scenario_from_values(values, lines, path, synonyms, shared_rules)


def scenario_from_values(values, lines, path, synonyms, shared_rules):
    """Validate a scenario given as plain data (a file's or the browser editor's) → ``Scenario``.

    The definition keeps the data as written under ``source`` (what export writes back) and the
    scenario's own critical wordings under ``critical``; ``rules`` holds them merged with the
    shared rules, so a change to ``critical.yaml`` is a new version of every scenario.
    """
    parsed = validate(ScenarioFile, values, lines, path)
    meta = parsed.scenario
    definition = meta.model_dump(exclude_none=True, by_alias=True)
    errors = []
    for index, check in enumerate(definition["checks"]):
        where = ("scenario", "checks", index)
        field = f"scenario.checks[{index}]"
        errors += _expand_fields(check, ("aliases",), synonyms, path, lines.get(where), field)
        groups = []
        for group in check.get("all_of", []):
            expanded, problems = expand(group, synonyms, path, lines.get(where), f"{field}.all_of")
            groups.append(expanded)
            errors += problems
        check["all_of"] = groups
        errors += _pattern_errors(check.get("patterns", []), path, lines.get(where + ("patterns",)), f"{field}.patterns")
    for index, rule in enumerate(definition.get("critical", [])):
        where = ("scenario", "critical", index)
        errors += _expand_fields(rule, ("aliases", "unless"), synonyms, path, lines.get(where), f"scenario.critical[{index}]")
        errors += _pattern_errors(rule.get("patterns", []), path, lines.get(where + ("patterns",)),
                                  f"scenario.critical[{index}].patterns")
    errors += _structure_errors(meta, path, lines)
    if errors:
        raise ContentInvalid(errors)
    definition["rules"] = shared_rules + definition.get("critical", [])
    definition["source"] = values
    definition["calibration"] = [c.model_dump() for c in parsed.calibration]
    return build_scenario(definition, source=path)


def _expand_fields(data, names, synonyms, path, line, field):
    errors = []
    for name in names:
        data[name], problems = expand(data.get(name, []), synonyms, path, line, f"{field}.{name}")
        errors += problems
    return errors


def _pattern_errors(patterns, path, line, field):
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            yield ContentError(path, line, field, f"pattern {pattern!r} is not a valid regular expression: {exc}")


def _structure_errors(meta, path, lines):
    def error(where, message):
        probe = where
        while probe not in lines and probe:
            probe = probe[:-1]
        return ContentError(path, lines.get(probe), field_name(where), message)

    check_ids = [c.id for c in meta.checks]
    stage_ids = [s.id for s in meta.stages]
    for name, ids, key in (("check", check_ids, "checks"), ("stage", stage_ids, "stages")):
        for position, value in enumerate(ids):
            if value in ids[:position]:
                yield error(("scenario", key, position, "id"), f"duplicate {name} id '{value}'")
    for index, check in enumerate(meta.checks):
        if check.stage and check.stage not in stage_ids:
            yield error(("scenario", "checks", index, "stage"), f"unknown stage '{check.stage}'")
        if check.category == "timing":
            yield error(("scenario", "checks", index, "category"), "timing is measured from the clock, not by checks")
    weights = _weights(meta.kind, meta.rubric.weights if meta.rubric else None)
    used = {c.category for c in meta.checks}
    for category, weight in weights.items():
        if weight and category != "timing" and category not in used:
            yield error(("scenario", "checks"), f"category '{category}' has weight {weight} but no checks")
    for category in sorted(used - {c for c, w in weights.items() if w}):
        yield error(("scenario", "checks"), f"checks in category '{category}', which has no weight in this {meta.kind} scenario")
    for index, stage in enumerate(meta.stages):
        for need in stage.needs:
            if need not in check_ids:
                yield error(("scenario", "stages", index, "needs"), f"unknown check '{need}'")
        if (stage.says is None) != (index == 0):
            message = "the first stage starts with 'opening', not 'says'" if index == 0 else "'says' is required"
            yield error(("scenario", "stages", index), message)
    if meta.stages[-1].if_mood_below is not None:
        yield error(("scenario", "stages", len(meta.stages) - 1, "if_mood_below"),
                    "the last stage cannot be skipped: the conversation must be able to end")
    if meta.stages[0].if_mood_below is not None:
        yield error(("scenario", "stages", 0, "if_mood_below"), "the first stage cannot be skipped")


def _weights(kind, override):
    if override:
        return dict(override)
    return dict(PRE_SALES_WEIGHTS if kind == "pre_sales" else DEFAULT_WEIGHTS)


def build_scenario(definition, source=""):
    """A ``Scenario`` from its stored definition (as made by ``parse_scenario_file``)."""
    d = definition
    weights = _weights(d["kind"], d.get("rubric", {}).get("weights"))
    order, policy = d["order"], d["order"]["policy"]
    return Scenario(
        id=d["id"], title=d["title"], kind=d["kind"], platform=d["platform"], situation=d["situation"],
        lessons=tuple(d["lessons"]), pass_mark=d.get("pass", 80),
        customer=Customer(name=d["customer"]["name"], profile=d["customer"]["profile"], mood=d["customer"]["mood"],
                          leaves=_lines(d["customer"]["leaves"]), escalates=_lines(d["customer"]["escalates"])),
        order=Order(number=order["number"], product=order["product"], amount=order["amount"], status=order["status"],
                    logistics=order["logistics"],
                    policy=Policy(return_days=policy["return_days"], shipping_insurance=policy["shipping_insurance"],
                                  compensation_limit=policy["compensation_limit"],
                                  after_sales_valid=policy["after_sales_valid"], notes=tuple(policy.get("notes", [])))),
        opening=_lines(d["opening"]), closing=_lines(d["closing"]),
        weights=tuple((c, weights[c]) for c in CATEGORIES if weights.get(c)),
        checks=tuple(_check(c, d) for c in d["checks"]),
        rules=tuple(_rule(r) for r in d["rules"]),
        stages=tuple(_stage(s) for s in d["stages"]),
        definition=definition, source=source,
    )


def _lines(value):
    if isinstance(value, str):
        return Lines(value)
    return Lines(value["default"], tuple((band, value[band]) for band in ("angry", "upset", "calm") if band in value))


def _aliases(wordings):
    return tuple(Alias.of(w) for w in wordings)


def _check(c, scenario):
    aliases = list(c.get("aliases", []))
    order = scenario["order"]
    for fact in c.get("facts", []):
        aliases += fact_wordings(fact, order)
    return Check(
        id=c["id"], category=c["category"], label=c["label"], aliases=_aliases(dict.fromkeys(aliases)),
        all_of=tuple(_aliases(group) for group in c.get("all_of", [])),
        patterns=tuple(re.compile(p) for p in c.get("patterns", [])), stage=c.get("stage"), within=c.get("within"),
        mood=c.get("mood", MOOD_EFFECT.get(c["category"], 0)), model=c["model"],
        lesson=c.get("lesson") or scenario["lessons"][0],
    )


def fact_wordings(fact, order):
    """What counts as mentioning an order fact: the order number or its last six digits, …"""
    value = order[fact]
    if fact == "number":
        return [value, value[-6:]]
    if fact == "amount":
        return [f"{value:g}", f"{value:.2f}"]
    return [value]


def _rule(r):
    return Rule(id=r["id"], label=r["label"], aliases=_aliases(r.get("aliases", [])),
                patterns=tuple(re.compile(p) for p in r.get("patterns", [])), unless=_aliases(r.get("unless", [])),
                applies_if=r.get("applies_if"), lesson=r.get("lesson"))


def _stage(s):
    return Stage(id=s["id"], says=_lines(s["says"]) if "says" in s else None, needs=tuple(s["needs"]),
                 insist=_lines(s["insist"]), max_turns=s.get("max_turns", 3), if_mood_below=s.get("if_mood_below"),
                 hint=s["hint"], suggestions=tuple(Suggestion(x["text"], x.get("note")) for x in s["suggestions"]))


# --- transcripts --------------------------------------------------------------------------

_EXPECT = re.compile(r"^#\s*expect:\s*(pass|fail|critical)\s*(?:\(([a-z_, ]+)\))?\s*$")
_TIMED = re.compile(r"^\[(?:(\d+):)?(\d+)(s)?\]\s*")


def parse_replies(text):
    """An agent transcript → ``[(reply, seconds)]``.

    One reply per line; blank lines and ``#`` comments are skipped. A line may start with the
    seconds the agent took, ``[45s]`` or ``[2:30]``; otherwise the reply was instant.
    """
    replies = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        seconds = 0.0
        timed = _TIMED.match(line)
        if timed:
            minutes, rest, _ = timed.groups()
            seconds = int(minutes or 0) * 60 + int(rest)
            line = line[timed.end():].strip()
        if line:
            replies.append((line, float(seconds)))
    return replies


def parse_transcript(data, path, scenario_id, name):
    """A calibration transcript file: its ``# expect:`` header and its replies."""
    text = decode_utf8(data, path)
    expect, rules = None, ()
    for line in text.splitlines():
        found = _EXPECT.match(line.strip())
        if found:
            expect = found.group(1)
            rules = tuple(r.strip() for r in (found.group(2) or "").split(",") if r.strip())
    errors = []
    if expect is None:
        errors.append(ContentError(path, 1, "expect", "add a line '# expect: pass', '# expect: fail' or "
                                                      "'# expect: critical (rule_id)'"))
    unknown = [r for r in rules if r not in RULE_IDS]
    if unknown:
        errors.append(ContentError(path, 1, "expect", f"unknown rule(s) {', '.join(unknown)}"))
    replies = parse_replies(text)
    if not replies:
        errors.append(ContentError(path, None, "", "the transcript has no replies"))
    if errors:
        raise ContentInvalid(errors)
    return Transcript(scenario=scenario_id, name=name, source=path, expect=expect, rules=rules, replies=tuple(replies))

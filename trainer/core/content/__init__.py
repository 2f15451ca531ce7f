"""Loading and validating everything under ``content/``, all or nothing."""
from dataclasses import dataclass, field
from pathlib import Path

from ..calibration import Calibration, calibrate
from ..errors import ContentError, ContentInvalid
from .glossary import Term, parse_glossary
from .manual import Lesson, load_manual
from .programmes import Programme, parse_programme_file, resolve_programmes
from .quizzes import Exam, Item, Quiz, check_exam, parse_exam_file, parse_quiz_file
from .scenarios import Scenario, Transcript, parse_rules_file, parse_scenario_file, parse_transcript
from .synonyms import load_synonyms

EXAM_FILE = "final-exam.yaml"
RULES_FILE = "critical.yaml"


@dataclass(frozen=True)
class ContentBundle:
    """Everything loaded from one content directory, valid as a whole."""

    lessons: tuple[Lesson, ...] = ()
    quizzes: tuple[Quiz, ...] = ()
    items: tuple[Item, ...] = ()
    exam: Exam | None = None
    terms: tuple[Term, ...] = ()
    glossary_version: int = 0
    synonyms_version: int = 0
    scenarios: tuple[Scenario, ...] = ()
    transcripts: tuple[Transcript, ...] = ()
    programmes: tuple[Programme, ...] = ()
    calibration: Calibration | None = field(default=None, compare=False)

    def listing(self):
        """Every loaded thing as ``{id, kind, title, lesson}`` (``trainer content list``)."""
        rows = [{"id": l.id, "kind": "lesson", "title": l.title, "lesson": l.id} for l in self.lessons]
        rows += [{"id": q.id, "kind": "quiz", "title": q.title, "lesson": q.lessons[0]} for q in self.quizzes]
        rows += [{"id": i.id, "kind": i.kind, "title": i.prompt, "lesson": i.lessons[0]} for i in self.items]
        rows += [{"id": t.id, "kind": "term", "title": t.term, "lesson": t.lesson} for t in self.terms]
        rows += [{"id": s.id, "kind": "scenario", "title": s.title, "lesson": s.lessons[0], "situation": s.situation,
                  "scenario_kind": s.kind} for s in self.scenarios]
        if self.exam:
            rows.append({"id": self.exam.id, "kind": "exam", "title": self.exam.title, "lesson": None})
        rows += [{"id": p.id, "kind": "programme", "title": p.title, "lesson": None} for p in self.programmes]
        return rows


def load_content(content_dir, calibrate_items=True):
    """Load and cross-check the whole tree; raise ``ContentInvalid`` listing every problem."""
    root = Path(content_dir)
    lessons, errors = load_manual(root / "manual", relative_to=root.parent)
    synonyms_version, synonyms = _collect(errors, load_synonyms, root / "synonyms.yaml", _name(root, "synonyms.yaml")) or (0, {})
    quizzes, items, exam = _load_quizzes(root, synonyms, errors)
    glossary_version, terms = (0, [])
    if (root / "glossary.yaml").exists():
        glossary_version, terms = _collect(errors, parse_glossary, (root / "glossary.yaml").read_bytes(),
                                           _name(root, "glossary.yaml"), synonyms) or (0, [])
    scenarios, transcripts = _load_scenarios(root, synonyms, errors)
    lesson_ids = {l.id for l in lessons}
    errors.extend(_cross_check(lesson_ids, quizzes, items, terms, exam))
    scenario_files = {p.stem for p in (root / "scenarios").glob("*.yaml")}
    errors.extend(_scenario_cross_check(lesson_ids, scenarios, transcripts, scenario_files))
    programmes = _load_programmes(root, errors, lessons, quizzes, exam, scenarios, terms)
    calibration = calibrate(items) if calibrate_items and not errors else None
    if calibration:
        errors.extend(_calibration_errors(calibration, items))
    if calibrate_items and not errors:
        errors.extend(transcript_errors(scenarios, transcripts))
    if errors:
        raise ContentInvalid(errors)
    return ContentBundle(lessons=tuple(lessons), quizzes=tuple(quizzes), items=tuple(items), exam=exam,
                         terms=tuple(terms), glossary_version=glossary_version,
                         synonyms_version=synonyms_version, scenarios=tuple(scenarios),
                         transcripts=tuple(transcripts), programmes=tuple(programmes), calibration=calibration)


def _name(root, *parts):
    return str(Path(root.name, *parts))


def _collect(errors, function, *args):
    try:
        return function(*args)
    except ContentInvalid as invalid:
        errors.extend(invalid.errors)
        return None


def _load_quizzes(root, synonyms, errors):
    quizzes, items, exam = [], [], None
    for path in sorted((root / "quizzes").glob("*.yaml")):
        name = _name(root, "quizzes", path.name)
        if path.name == EXAM_FILE:
            exam = _collect(errors, parse_exam_file, path.read_bytes(), name)
            continue
        loaded = _collect(errors, parse_quiz_file, path.read_bytes(), name, synonyms)
        if loaded:
            quizzes.append(loaded[0])
            items.extend(loaded[1])
    return quizzes, items, exam


def _load_programmes(root, errors, lessons, quizzes, exam, scenarios, terms):
    """``certification/*.yaml``, every id they name checked against the content loaded beside them."""
    parsed = [_collect(errors, parse_programme_file, path.read_bytes(), _name(root, "certification", path.name))
              for path in sorted((root / "certification").glob("*.yaml"))]
    programmes, problems = resolve_programmes([p for p in parsed if p], lessons, quizzes, exam, scenarios, terms)
    errors.extend(problems)
    return programmes


def _cross_check(lesson_ids, quizzes, items, terms, exam):
    seen = {}
    for item in items:
        if item.id in seen:
            yield ContentError(item.source, item.line, "id", f"duplicate item id '{item.id}' (also in {seen[item.id]})")
        seen.setdefault(item.id, item.source)
        for lesson in item.lessons:
            if lesson not in lesson_ids:
                yield ContentError(item.source, item.line, "lessons", f"unknown lesson '{lesson}'")
    quiz_ids = {}
    for quiz in quizzes:
        if quiz.id in quiz_ids:
            yield ContentError(quiz.source, 2, "quiz.id", f"duplicate quiz id '{quiz.id}' (also in {quiz_ids[quiz.id]})")
        quiz_ids.setdefault(quiz.id, quiz.source)
        for lesson in quiz.lessons:
            if lesson not in lesson_ids:
                yield ContentError(quiz.source, 2, "quiz.lessons", f"unknown lesson '{lesson}'")
    for term in terms:
        if term.lesson not in lesson_ids:
            yield ContentError("content/glossary.yaml", term.line, "lesson", f"unknown lesson '{term.lesson}'")
    if exam:
        for number, pool in enumerate(exam.pools):
            for lesson in pool.lessons:
                if lesson not in lesson_ids:
                    yield ContentError(exam.source, None, f"exam.pools[{number}].lessons", f"unknown lesson '{lesson}'")
        yield from check_exam(exam, items)


def _calibration_errors(calibration, items):
    where = {item.id: item for item in items}
    for check in calibration.failing:
        item = where[check.item]
        yield ContentError(item.source, item.line, f"{item.id}.examples",
                           f"grader gives {check.got:g} where trainers give {check.expected:g} "
                           f"for «{check.answer[:40]}» ({check.note or 'no note'})")


def _load_scenarios(root, synonyms, errors):
    """``scenarios/*.yaml`` with the shared critical rules, and the calibration transcripts."""
    folder = root / "scenarios"
    if not folder.is_dir():
        return [], []
    rules = []
    if not (folder / RULES_FILE).exists() and any(p.name != RULES_FILE for p in folder.glob("*.yaml")):
        errors.append(ContentError(_name(root, "scenarios", RULES_FILE), None, "",
                                   "missing: every scenario is checked against the shared critical rules"))
        return [], []
    if (folder / RULES_FILE).exists():
        rules = _collect(errors, parse_rules_file, (folder / RULES_FILE).read_bytes(),
                         _name(root, "scenarios", RULES_FILE), synonyms)
        if rules is None:
            return [], []
    scenarios = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name != RULES_FILE:
            loaded = _collect(errors, parse_scenario_file, path.read_bytes(), _name(root, "scenarios", path.name),
                              synonyms, rules)
            if loaded:
                scenarios.append(loaded)
    return scenarios, transcript_files(root, errors)


def transcript_files(root, errors, scenario_id=None):
    """The calibration transcripts kept as files under ``scenarios/transcripts/``."""
    transcripts = []
    pattern = f"{scenario_id}.*.txt" if scenario_id else "*.txt"
    root = Path(root)
    for path in sorted((root / "scenarios" / "transcripts").glob(pattern)):
        owner, _, name = path.stem.partition(".")
        loaded = _collect(errors, parse_transcript, path.read_bytes(),
                          _name(root, "scenarios", "transcripts", path.name), owner, name or "transcript")
        if loaded:
            transcripts.append(loaded)
    return transcripts


def _scenario_cross_check(lesson_ids, scenarios, transcripts, scenario_files):
    seen = {}
    for scenario in scenarios:
        if scenario.id in seen:
            yield ContentError(scenario.source, 2, "scenario.id", f"duplicate scenario id '{scenario.id}' (also in {seen[scenario.id]})")
        seen.setdefault(scenario.id, scenario.source)
        wanted = set(scenario.lessons) | {c.lesson for c in scenario.checks} | {r.lesson for r in scenario.rules if r.lesson}
        for lesson in sorted(wanted - lesson_ids):
            yield ContentError(scenario.source, None, "lessons", f"unknown lesson '{lesson}'")
        kinds = {t.expect for t in transcripts if t.scenario == scenario.id} | {t.expect for t in scenario.transcripts}
        for missing in sorted({"pass", "fail", "critical"} - kinds):
            yield ContentError(scenario.source, None, "transcripts",
                               f"needs a calibration transcript that expects '{missing}' "
                               f"(scenarios/transcripts/{scenario.id}.NAME.txt)")
    for transcript in transcripts:
        if transcript.scenario not in seen and transcript.scenario not in scenario_files:
            yield ContentError(transcript.source, None, "", f"unknown scenario '{transcript.scenario}' "
                                                           "(name transcripts SCENARIO_ID.NAME.txt)")


def transcript_errors(scenarios, transcripts):
    """Replay every calibration transcript; each must get the verdict its header expects."""
    from ..roleplay import replay

    by_id = {s.id: s for s in scenarios}
    for transcript in [*(t for t in transcripts if t.scenario in by_id), *(t for s in scenarios for t in s.transcripts)]:
        _, result = replay(by_id[transcript.scenario], transcript.replies)
        got = verdict(result)
        rules = {v["rule"] for v in result["critical"]}
        if got != transcript.expect or not set(transcript.rules) <= rules:
            yield ContentError(transcript.source, None, "expect",
                               f"expected {transcript.expect}{_rules_text(transcript.rules)} but got {got}"
                               f"{_rules_text(sorted(rules))}: score {result['score']:g}, "
                               f"failed because {', '.join(result['failed_because']) or 'nothing'}")


def verdict(result):
    """"pass", "critical" or "fail" for a debrief."""
    if result["critical"]:
        return "critical"
    return "pass" if result["passed"] else "fail"


def _rules_text(rules):
    return f" ({', '.join(rules)})" if rules else ""


def authoring_problems(built, transcripts=()):
    """What publishing one item or scenario from the browser must also pass, as the files do:
    an item's calibration examples, a scenario's three calibration transcripts (its own and
    ``transcripts`` kept beside it in files) and their verdicts."""
    if isinstance(built, Scenario):
        kinds = {t.expect for t in (*built.transcripts, *transcripts)}
        problems = [ContentError(built.source, None, "calibration",
                                 f"needs a calibration transcript that expects '{missing}'")
                    for missing in sorted({"pass", "fail", "critical"} - kinds)]
        return problems + list(transcript_errors([built], transcripts))
    if isinstance(built, Item) and built.rubric is not None:
        return list(_calibration_errors(calibrate([built]), [built]))
    return []

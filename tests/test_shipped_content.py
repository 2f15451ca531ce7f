"""Everything under content/ validates, and every lesson has what a new hire needs."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trainer.config import REPO_ROOT
from trainer.core.content import load_content

SEEDS_CHECK = REPO_ROOT.parent / "shared" / "tools" / "verbatim_check.py"


@pytest.fixture(scope="module")
def bundle():
    return load_content(REPO_ROOT / "content")


def test_the_handbook_has_between_15_and_25_lessons_in_parts(bundle):
    assert 15 <= len(bundle.lessons) <= 25
    parts = list(dict.fromkeys(lesson.part for lesson in bundle.lessons))
    assert len(parts) >= 5
    # a part's lessons are contiguous in handbook order
    assert parts == [p for i, p in enumerate(lesson.part for lesson in bundle.lessons)
                     if i == 0 or bundle.lessons[i - 1].part != p]


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "content" / "manual").glob("*.md")), ids=lambda p: p.stem)
def test_every_lesson_has_examples_dialogues_mistakes_and_summary(bundle, path):
    lesson = next(l for l in bundle.lessons if l.source.endswith(path.name))
    headings = [text for level, _, text in lesson.outline if level == 2]
    assert headings[-2:] == ["常见错误", "要点小结"], headings
    assert 'class="admonition example"' in lesson.html
    assert 'class="admonition good"' in lesson.html and 'class="admonition bad"' in lesson.html
    assert "<strong>" in lesson.html
    assert len(lesson.objectives) >= 3
    body = re.sub(r"<[^>]+>", "", lesson.html)
    assert len(re.findall(r"[\u4e00-\u9fff]", body)) >= 900


@pytest.mark.skipif(not SEEDS_CHECK.exists(), reason="../shared/tools/verbatim_check.py not present")
def test_no_sentence_is_copied_from_the_source_documents():
    result = subprocess.run([sys.executable, str(SEEDS_CHECK), str(REPO_ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_every_model_answer_and_definition_earns_full_marks_without_doubt(bundle):
    from trainer.core.grading import grade, grade_short_answer

    for item in bundle.items:
        if item.kind == "short":
            result = grade(item, item.rubric.model_answer)
            assert (result.score, result.reasons) == (result.max_score, ()), item.id
    for term in bundle.terms:
        result = grade_short_answer(term.rubric, term.definition)
        assert result.score == result.max_score, term.id


def test_the_question_bank_is_large_enough_and_covers_every_lesson(bundle):
    short = [i for i in bundle.items if i.kind == "short"]
    assert len(short) >= 20 and len(bundle.items) - len(short) >= 80
    assert {l.id for l in bundle.lessons} <= {lesson for i in bundle.items for lesson in i.lessons}
    assert {i.kind for i in bundle.items} == {"single", "multiple", "true_false", "ordering", "matching", "short"}
    assert len(bundle.terms) >= 40 and bundle.exam is not None
    assert bundle.calibration.failing == () and bundle.calibration.qwk >= 0.9


# --- role-play scenarios ----------------------------------------------------------------------------

SCENARIOS = REPO_ROOT / "content" / "scenarios"
SCENARIO_FILES = sorted(p for p in SCENARIOS.glob("*.yaml") if p.name != "critical.yaml")
TRANSCRIPT_FILES = sorted((SCENARIOS / "transcripts").glob("*.txt"))


@pytest.fixture(scope="module")
def scenarios():
    """The shipped content without the calibration replay, so that each transcript fails on its own."""
    bundle = load_content(REPO_ROOT / "content", calibrate_items=False)
    return {s.id: s for s in bundle.scenarios}, {t.source.rsplit("/", 1)[-1]: t for t in bundle.transcripts}


def test_there_are_scenarios_with_transcripts():
    assert SCENARIO_FILES and TRANSCRIPT_FILES


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_scenario_has_pass_fail_and_critical_transcripts(scenarios, path):
    by_id, transcripts = scenarios
    scenario = next(s for s in by_id.values() if s.source.endswith(f"/{path.name}"))
    kinds = {t.expect for t in transcripts.values() if t.scenario == scenario.id}
    assert kinds == {"pass", "fail", "critical"}, f"{path.name}: transcripts expect {sorted(kinds)}"


@pytest.mark.parametrize("path", TRANSCRIPT_FILES, ids=lambda p: p.stem)
def test_every_calibration_transcript_reproduces_its_verdict(scenarios, path):
    from trainer.core.content import verdict
    from trainer.core.roleplay import replay

    by_id, transcripts = scenarios
    transcript = transcripts[path.name]
    assert transcript.scenario in by_id, f"{path.name}: no scenario '{transcript.scenario}'"
    _, result = replay(by_id[transcript.scenario], transcript.replies)
    got = verdict(result)
    why = f"{path.name}: score {result['score']:g}, failed because {result['failed_because']}, critical " \
          f"{[(v['rule'], v['words']) for v in result['critical']]}"
    assert got == transcript.expect, why
    if got == "critical":
        assert set(transcript.rules) <= {v["rule"] for v in result["critical"]}, why
    if got == "pass":
        assert result["score"] >= result["pass_mark"] and not result["suspected"], why


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_quoting_the_order_number_breaks_no_rule(scenarios, path):
    """The facts checks ask for the order number: quoting it must never look like a phone number."""
    from trainer.core.roleplay.analysis import analyse

    scenario = next(s for s in scenarios[0].values() if s.source.endswith(f"/{path.name}"))
    for reply in (f"您的订单号是{scenario.order.number}，我马上帮您查一下。", f"尾号{scenario.order.number[-6:]}的订单我查到了。"):
        found = [(rule.id if rule else "over_promise", hit.words) for rule, hit in analyse(scenario, reply).violations]
        assert found == [], f"{path.name}: «{reply}» breaks {found}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_checks_model_reply_meets_it_and_breaks_no_rule(scenarios, path):
    """The debrief shows a missed check's model reply: that reply must itself earn the check."""
    from trainer.core.roleplay.analysis import analyse

    scenario = next(s for s in scenarios[0].values() if s.source.endswith(f"/{path.name}"))
    wrong = []
    for check in scenario.checks:
        analysis = analyse(scenario, check.model)
        if check.id not in analysis.checks:
            wrong.append(f"{check.id}: «{check.model}» does not meet it")
        for rule, hit in analysis.violations:
            wrong.append(f"{check.id}: «{check.model}» breaks {rule.id if rule else 'over_promise'} ({hit.words})")
    assert wrong == [], f"{path.name}: " + "; ".join(wrong)


# --- certification programmes ---------------------------------------------------------------------

def test_the_certification_programmes_use_the_shipped_content(bundle):
    programmes = {p.id: p.definition for p in bundle.programmes}
    assert list(programmes) == ["pre-sales", "after-sales"]
    kinds = {s.id: s.kind for s in bundle.scenarios}
    for key, wanted in (("pre-sales", {"pre_sales"}), ("after-sales", {"after_sales", "complaint"})):
        requirements = programmes[key]["requirements"]
        assert {r["kind"] for r in requirements} == {"lesson", "quiz", "exam", "scenario", "glossary"}
        assert {kinds[r["key"]] for r in requirements if r["kind"] == "scenario"} <= wanted
        assert programmes[key]["material"] and all(r["label"] for r in requirements)


#: A space between two Chinese characters: what a folded YAML line break leaves in a sentence.
SPACED_CHINESE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef] +[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def _prose(value):
    """Every string of a scenario but the order card's, whose spaces separate a product's options (130码 粉色)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "order":
                yield from _prose(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _prose(item)


def test_no_scenario_text_has_a_space_inside_a_chinese_sentence(scenarios):
    by_id, _ = scenarios
    spaced = [f"{s.id}: …{m.group(0)}…" for s in by_id.values() for text in _prose(s.definition)
              for m in [SPACED_CHINESE.search(text)] if m]
    assert not spaced, spaced

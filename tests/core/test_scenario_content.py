"""Scenario files, the shared critical rules and calibration transcripts: every problem is named as
``file:line: field: message``, and ``load_content`` replays the transcripts.

Most cases edit a piece of ``tests/data/content/scenarios/test-wrong-item.yaml`` (``VALID``) and
state the line and field the error must name; the line numbers are those of that file.
"""
import shutil
from pathlib import Path

import pytest

from trainer.core.content import load_content, transcript_errors
from trainer.core.content.scenarios import (
    parse_replies, parse_rules_file, parse_scenario_file, parse_transcript,
)
from trainer.core.content.synonyms import load_synonyms
from trainer.core.errors import ContentInvalid

DATA = Path(__file__).parent.parent / "data" / "content"
VALID = (DATA / "scenarios" / "test-wrong-item.yaml").read_text(encoding="utf-8")
RULES_TEXT = (DATA / "scenarios" / "critical.yaml").read_text(encoding="utf-8")
_, SYNONYMS = load_synonyms(DATA / "synonyms.yaml", "content/synonyms.yaml")
RULES = parse_rules_file(RULES_TEXT.encode(), "content/scenarios/critical.yaml", SYNONYMS)
PATH = "content/scenarios/test-wrong-item.yaml"


def edit(old, new, text=VALID):
    """``text`` with one piece replaced; a typo in a table row fails loudly."""
    assert text.count(old) == 1, old
    return text.replace(old, new, 1)


def problems(source, path=PATH):
    data = source.encode() if isinstance(source, str) else source
    with pytest.raises(ContentInvalid) as info:
        parse_scenario_file(data, path, SYNONYMS, RULES)
    return [(error.path, error.line, error.field, error.message) for error in info.value.errors]


def test_the_valid_file_loads():
    scenario = parse_scenario_file(VALID.encode(), PATH, SYNONYMS, RULES)
    assert scenario.id == "test-wrong-item" and scenario.source == PATH
    assert scenario.definition["rules"] == RULES  # the shared rules are stored with the scenario
    assert scenario.check("apologise").lesson == "refund-basics"  # the scenario's first lesson by default
    assert scenario.check("greet").lesson == "greeting"


RUBRIC = "  pass: 80\n  rubric:\n    weights: {%s}\n"

SCENARIO_CASES = [
    # (source, line, field, fragment of the message)
    pytest.param(edit("needs: [offer]", "needs: [offer, refund]"), 98, "scenario.stages[1].needs",
                 "unknown check 'refund'", id="unknown-check-in-needs"),
    pytest.param(edit("stage: wrap_up\n", "stage: goodbye\n"), 81, "scenario.checks[6].stage",
                 "unknown stage 'goodbye'", id="unknown-stage-in-check"),
    pytest.param(edit("    - id: empathise\n", "    - id: apologise\n"), 53, "scenario.checks[2].id",
                 "duplicate check id 'apologise'", id="duplicate-check-id"),
    pytest.param(edit("    - id: solution\n", "    - id: complaint\n"), 96, "scenario.stages[1].id",
                 "duplicate stage id 'complaint'", id="duplicate-stage-id"),
    pytest.param(edit("      within: 1\n", "      within: 1\n      patterns: ['([a-z']\n"), 46,
                 "scenario.checks[0].patterns", "'([a-z' is not a valid regular expression", id="bad-check-pattern"),
    pytest.param(edit("  stages:\n", "  critical:\n    - id: insult\n      label: 骂人\n      patterns: ['(']\n  stages:\n"),
                 87, "scenario.critical[0].patterns", "'(' is not a valid regular expression", id="bad-rule-pattern"),
    pytest.param(edit("    - id: complaint\n", "    - id: complaint\n      says: 你好\n"), 85, "scenario.stages[0]",
                 "the first stage starts with 'opening', not 'says'", id="first-stage-says"),
    pytest.param(edit("      says: 那现在怎么办？\n", ""), 96, "scenario.stages[1]", "'says' is required",
                 id="later-stage-without-says"),
    pytest.param(edit("      needs: [close]\n", "      needs: [close]\n      if_mood_below: 2\n"), 123,
                 "scenario.stages[3].if_mood_below", "the last stage cannot be skipped", id="last-stage-if-mood-below"),
    pytest.param(edit("      needs: [apologise, check_order]\n", "      needs: [apologise, check_order]\n      if_mood_below: 2\n"),
                 87, "scenario.stages[0].if_mood_below", "the first stage cannot be skipped", id="first-stage-if-mood-below"),
    pytest.param(edit("  pass: 80\n", RUBRIC % "opening: 10, empathy: 15, facts: 15, solution: 25, recovery: 10, "
                                              "closing: 10, timing: 10"),
                 12, "scenario.rubric", "weights add up to 95, not 100", id="weights-not-100"),
    pytest.param(edit("  pass: 80\n", RUBRIC % "opening: 10, empathy: 15, facts: 15, solution: 20, sales: 5, "
                                              "recovery: 10, closing: 10, timing: 15"),
                 42, "scenario.checks", "category 'sales' has weight 5 but no checks", id="weight-without-checks"),
    pytest.param(edit("  pass: 80\n", RUBRIC % "opening: 10, empathy: 15, facts: 15, solution: 25, closing: 20, "
                                              "timing: 15"),
                 42, "scenario.checks", "checks in category 'recovery', which has no weight", id="checks-without-weight"),
    pytest.param(edit('["@apologise"]', '["@sorry"]'), 48, "scenario.checks[1].aliases", "unknown synonym set '@sorry'",
                 id="unknown-synonym-set"),
    pytest.param(edit("      aliases: [理解您, 着急]\n", ""), 53, "scenario.checks[2]",
                 "a check needs aliases, patterns or facts", id="check-without-evidence"),
    pytest.param(edit("  platform: 淘宝\n", "  platform: 淘宝\n  colour: 红色\n"), 9, "scenario.colour", "unknown key",
                 id="unknown-key"),
    pytest.param(edit("  platform: 淘宝\n", "  platform: 淘宝\n  title: 又一个\n"), 9, "scenario.title", "duplicate key",
                 id="duplicate-key"),
    pytest.param(edit("    mood: 0\n", "    mood: 5\n"), 15, "scenario.customer.mood", "less than or equal to 4",
                 id="mood-out-of-range"),
    pytest.param(edit('"5208801234567890"', '"5208-8012"'), 21, "scenario.order.number", "should match pattern",
                 id="order-number-not-digits"),
    pytest.param(edit("      stage: make_good\n", "      stage: make_good\n      mood: 3\n"), 76,
                 "scenario.checks[5].mood", "less than or equal to 2", id="check-mood-out-of-range"),
    pytest.param(edit("        - text: 嗯。\n", ""), 125, "scenario.stages[3].suggestions", "at least 2 items",
                 id="one-suggestion"),
    pytest.param(edit("  stages:\n", "  critical:\n    - id: rude\n      label: 骂人\n      aliases: [滚蛋]\n  stages:\n"),
                 85, "scenario.critical[0].id", "'insult'", id="unknown-rule-id"),
]


@pytest.mark.parametrize(("source", "line", "field", "fragment"), SCENARIO_CASES)
def test_scenario_problem_names_file_line_and_field(source, line, field, fragment):
    [(path, got_line, got_field, message)] = problems(source)
    assert (path, got_line, got_field) == (PATH, line, field)
    assert fragment in message


def test_a_timing_check_is_refused_and_its_category_is_then_empty():
    found = problems(edit("      category: closing\n", "      category: timing\n"))
    assert found == [
        (PATH, 78, "scenario.checks[6].category", "timing is measured from the clock, not by checks"),
        (PATH, 40, "scenario.checks", "category 'closing' has weight 10 but no checks"),
    ]


def test_every_problem_of_a_file_is_reported_at_once():
    source = edit("needs: [offer]", "needs: [offer, refund]", edit("stage: wrap_up\n", "stage: goodbye\n"))
    assert [(line, field) for _, line, field, _ in problems(source)] == [
        (81, "scenario.checks[6].stage"), (98, "scenario.stages[1].needs")]


def test_a_non_utf8_scenario_file_is_named():
    [(path, line, field, message)] = problems(VALID.encode("gbk"))
    assert (path, field, message) == (PATH, "", "file is not valid UTF-8 text") and line


def test_pre_sales_scenarios_score_sales_instead_of_recovery():
    source = edit("kind: after_sales", "kind: pre_sales")
    assert problems(source) == [
        (PATH, 40, "scenario.checks", "category 'sales' has weight 10 but no checks"),
        (PATH, 40, "scenario.checks", "checks in category 'recovery', which has no weight in this pre_sales scenario"),
    ]
    fixed = edit("      category: recovery\n", "      category: sales\n", source)
    scenario = parse_scenario_file(fixed.encode(), PATH, SYNONYMS, RULES)
    assert dict(scenario.weights)["sales"] == 10 and "recovery" not in dict(scenario.weights)


# --- the shared rules file -----------------------------------------------------------------------

def rule_problems(source):
    with pytest.raises(ContentInvalid) as info:
        parse_rules_file(source.encode(), "content/scenarios/critical.yaml", SYNONYMS)
    return [(error.line, error.field, error.message) for error in info.value.errors]


def test_the_rules_file_needs_every_rule_once():
    start = RULES_TEXT.index("  - id: impersonation")
    end = RULES_TEXT.index("  - id: refuse_after_sales")
    without = RULES_TEXT[:start] + RULES_TEXT[end:]
    assert [(f, m) for _, f, m in rule_problems(without)] == [("rules", "rule 'impersonation' is missing")]
    twice = RULES_TEXT + RULES_TEXT[start:end]
    assert [(f, m) for _, f, m in rule_problems(twice)] == [("rules", "rule 'impersonation' is defined twice")]


def test_a_bad_rule_pattern_names_its_line():
    source = edit(r"patterns: ['(?<!\d)1[3-9]\d{9}(?!\d)',", r"patterns: ['1[3-9', '(?<!\d)1[3-9]\d{9}(?!\d)',", RULES_TEXT)
    [(line, field, message)] = rule_problems(source)
    line_of_patterns = RULES_TEXT[:RULES_TEXT.index("patterns:")].count("\n") + 1
    assert (line, field) == (line_of_patterns, "rules[3].patterns") and "'1[3-9'" in message


# --- transcripts ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "replies"), [
    pytest.param("您好\n", [("您好", 0.0)], id="untimed"),
    pytest.param("[45s] 您好\n", [("您好", 45.0)], id="seconds"),
    pytest.param("[45]您好\n", [("您好", 45.0)], id="seconds-without-s"),
    pytest.param("[2:30] 您好\n", [("您好", 150.0)], id="minutes-and-seconds"),
    pytest.param("[0:05]  您好  \n", [("您好", 5.0)], id="spaces-stripped"),
    pytest.param("# expect: pass\n# 注释\n\n   \n您好\n  # 缩进的注释\n[10s] 再见\n", [("您好", 0.0), ("再见", 10.0)],
                 id="comments-and-blank-lines"),
    pytest.param("[10s]\n您好\n", [("您好", 0.0)], id="a-bare-time-is-no-reply"),
    pytest.param("您好 [10s] 在的\n", [("您好 [10s] 在的", 0.0)], id="time-only-at-the-start"),
    pytest.param("[3s] 您好\r\n[4s] 再见\r\n", [("您好", 3.0), ("再见", 4.0)], id="crlf"),
])
def test_parse_replies(text, replies):
    assert parse_replies(text) == replies


@pytest.mark.parametrize(("header", "expect", "rules"), [
    ("# expect: pass", "pass", ()),
    ("#expect:fail", "fail", ()),
    ("# expect: critical (insult)", "critical", ("insult",)),
    ("# expect: critical (insult, off_platform)", "critical", ("insult", "off_platform")),
    ("# expect: critical", "critical", ()),
])
def test_transcript_header(header, expect, rules):
    transcript = parse_transcript(f"{header}\n[5s] 您好\n".encode(), "t.txt", "test-wrong-item", "x")
    assert (transcript.expect, transcript.rules, transcript.replies) == (expect, rules, (("您好", 5.0),))


def test_a_transcript_may_start_with_a_byte_order_mark():
    transcript = parse_transcript("\ufeff# expect: pass\r\n[5s] 您好\r\n".encode(), "t.txt", "t", "x")
    assert (transcript.expect, transcript.replies) == ("pass", (("您好", 5.0),))


@pytest.mark.parametrize(("text", "line", "field", "fragment"), [
    pytest.param("[5s] 您好\n", 1, "expect", "add a line '# expect: pass'", id="no-header"),
    pytest.param("# expect: passed\n您好\n", 1, "expect", "add a line", id="misspelt-header"),
    pytest.param("# expect: critical (rude)\n您好\n", 1, "expect", "unknown rule(s) rude", id="unknown-rule"),
    pytest.param("# expect: pass\n# 只有注释\n", None, "", "no replies", id="no-replies"),
])
def test_transcript_problems(text, line, field, fragment):
    with pytest.raises(ContentInvalid) as info:
        parse_transcript(text.encode(), "content/scenarios/transcripts/t.x.txt", "t", "x")
    [error] = info.value.errors
    assert (error.path, error.line, error.field) == ("content/scenarios/transcripts/t.x.txt", line, field)
    assert fragment in error.message


def test_a_non_utf8_transcript_is_named():
    with pytest.raises(ContentInvalid) as info:
        parse_transcript("# expect: pass\n您好\n".encode("gbk"), "content/scenarios/transcripts/t.x.txt", "t", "x")
    assert "content/scenarios/transcripts/t.x.txt" in str(info.value) and "not valid UTF-8" in str(info.value)


# --- the whole tree ------------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path):
    """A copy of the test content tree, to break."""
    target = tmp_path / "content"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("broken"))
    return target


def tree_errors(root):
    with pytest.raises(ContentInvalid) as info:
        load_content(root)
    return [str(error) for error in info.value.errors]


def test_the_test_tree_loads_its_scenario_and_transcripts():
    bundle = load_content(DATA)
    assert [s.id for s in bundle.scenarios] == ["test-wrong-item"]
    assert sorted((t.name, t.expect, t.rules) for t in bundle.transcripts) == [
        ("critical", "critical", ("off_platform",)), ("fail", "fail", ()), ("pass", "pass", ())]
    assert list(transcript_errors(bundle.scenarios, bundle.transcripts)) == []
    row = next(r for r in bundle.listing() if r["kind"] == "scenario")
    assert row == {"id": "test-wrong-item", "kind": "scenario", "title": "保温杯发错了颜色", "lesson": "refund-basics",
                   "situation": bundle.scenarios[0].situation, "scenario_kind": "after_sales"}


@pytest.mark.parametrize("kind", ["pass", "fail", "critical"])
def test_every_kind_of_transcript_is_required(tree, kind):
    (tree / "scenarios" / "transcripts" / f"test-wrong-item.{kind}.txt").unlink()
    assert tree_errors(tree) == [
        f"content/scenarios/test-wrong-item.yaml: transcripts: needs a calibration transcript that expects "
        f"'{kind}' (scenarios/transcripts/test-wrong-item.NAME.txt)"]


def test_a_transcript_without_header_is_named(tree):
    path = tree / "scenarios" / "transcripts" / "test-wrong-item.pass.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("# expect: pass\n", ""), encoding="utf-8")
    errors = tree_errors(tree)
    assert "content/scenarios/transcripts/test-wrong-item.pass.txt:1: expect: add a line '# expect: pass', " \
           "'# expect: fail' or '# expect: critical (rule_id)'" in errors
    # the scenario then lacks its pass transcript too
    assert any("needs a calibration transcript that expects 'pass'" in e for e in errors)


@pytest.mark.parametrize(("name", "header", "fragment"), [
    ("pass", "# expect: fail", "expected fail but got pass: score 100, failed because nothing"),
    ("fail", "# expect: pass", "expected pass but got fail: score 65, failed because score_below_pass_mark, "
                               "category_below_half"),
    ("critical", "# expect: critical (insult)", "expected critical (insult) but got critical (off_platform)"),
])
def test_a_transcript_whose_verdict_is_wrong_is_reported(tree, name, header, fragment):
    path = tree / "scenarios" / "transcripts" / f"test-wrong-item.{name}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header, *lines[1:]]) + "\n", encoding="utf-8")
    # keep one transcript of each kind so that only the verdict is wrong
    (tree / "scenarios" / "transcripts" / f"test-wrong-item.spare-{name}.txt").write_text(
        "\n".join(lines) + "\n", encoding="utf-8")
    [error] = tree_errors(tree)
    assert error.startswith(f"content/scenarios/transcripts/test-wrong-item.{name}.txt: expect: {fragment}")


def test_transcripts_are_replayed_only_when_calibrating(tree):
    path = tree / "scenarios" / "transcripts" / "test-wrong-item.spare.txt"
    path.write_text("# expect: pass\n你有病吧\n", encoding="utf-8")
    assert any("test-wrong-item.spare.txt: expect: expected pass but got critical (insult)" in e
               for e in tree_errors(tree))
    assert load_content(tree, calibrate_items=False).scenarios


def test_a_transcript_for_an_unknown_scenario_is_named(tree):
    (tree / "scenarios" / "transcripts" / "no-such-scenario.pass.txt").write_text("# expect: pass\n您好\n",
                                                                                   encoding="utf-8")
    assert tree_errors(tree) == ["content/scenarios/transcripts/no-such-scenario.pass.txt: -: unknown scenario "
                                 "'no-such-scenario' (name transcripts SCENARIO_ID.NAME.txt)"]


def test_a_non_utf8_transcript_file_in_the_tree_is_named(tree):
    (tree / "scenarios" / "transcripts" / "test-wrong-item.extra.txt").write_bytes("# expect: pass\n您好\n".encode("gbk"))
    [error] = tree_errors(tree)
    assert error.startswith("content/scenarios/transcripts/test-wrong-item.extra.txt:2: -: file is not valid UTF-8")


def test_a_scenario_problem_is_named_in_the_tree(tree):
    path = tree / "scenarios" / "test-wrong-item.yaml"
    path.write_text(edit("needs: [offer]", "needs: [offer, refund]"), encoding="utf-8")
    # the file's transcripts are not then reported as orphans: only the real problem is named
    assert tree_errors(tree) == ["content/scenarios/test-wrong-item.yaml:98: scenario.stages[1].needs: "
                                 "unknown check 'refund'"]


def test_a_scenario_with_an_unknown_lesson_is_named(tree):
    path = tree / "scenarios" / "test-wrong-item.yaml"
    path.write_text(edit("      lesson: order-check\n", "      lesson: no-such-lesson\n"), encoding="utf-8")
    assert tree_errors(tree) == ["content/scenarios/test-wrong-item.yaml: lessons: unknown lesson 'no-such-lesson'"]


def test_two_files_with_the_same_scenario_id_are_named(tree):
    shutil.copy(tree / "scenarios" / "test-wrong-item.yaml", tree / "scenarios" / "zz-copy.yaml")
    errors = tree_errors(tree)
    assert any(e.startswith("content/scenarios/zz-copy.yaml:2: scenario.id: duplicate scenario id 'test-wrong-item'")
               for e in errors)


def test_a_broken_rules_file_stops_the_scenarios_with_it(tree):
    path = tree / "scenarios" / "critical.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - id: insult\n", "  - id: rude\n"), encoding="utf-8")
    errors = tree_errors(tree)
    assert errors and all(e.startswith("content/scenarios/critical.yaml") for e in errors)

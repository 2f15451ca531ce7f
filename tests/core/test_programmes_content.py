"""Programme files (content/certification/*.yaml): the strict loader, cross-checks and what it stores."""
import shutil
import textwrap

import pytest

from trainer.core.certification import Programme
from trainer.core.content import load_content
from trainer.core.errors import ContentInvalid
from tests.conftest import CONTENT_DIR, TESTS

PROGRAMME_FILE = TESTS / "data" / "certification" / "refund-desk.yaml"


@pytest.fixture
def tree(tmp_path):
    """The test content with a certification/ folder; returns a function writing one programme file."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("broken"))
    (root / "certification").mkdir()

    def write(text, name="p.yaml"):
        (root / "certification" / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write


def errors_of(root):
    with pytest.raises(ContentInvalid) as info:
        load_content(root, calibrate_items=False)
    return [(e.path, e.line, e.field, e.message) for e in info.value.errors]


VALID = PROGRAMME_FILE.read_text(encoding="utf-8")


def test_a_programme_loads_with_labels_and_defaults(tree):
    bundle = load_content(tree(VALID, "refund-desk.yaml"), calibrate_items=False)
    (programme,) = bundle.programmes
    definition = programme.definition
    assert (programme.id, programme.title, programme.source) == ("refund-desk", "售后客服", "content/certification/refund-desk.yaml")
    assert [(r["kind"], r["key"], r["label"]) for r in definition["requirements"]] == [
        ("lesson", "greeting", "第一句话怎么回"), ("lesson", "refund-basics", "退款申请的基本处理"),
        ("quiz", "refund-basics", "退款基础"), ("exam", "final-exam", "岗前知识考试"),
        ("scenario", "test-wrong-item", "错发商品退款"), ("glossary", "glossary", "术语")]
    assert definition["requirements"][3]["min_percent"] == 60  # the exam's own pass mark
    assert definition["requirements"][5] == {"kind": "glossary", "key": "glossary", "label": "术语", "min_percent": 50,
                                             "min_recall": 0.9, "lessons": ["refund-basics"]}
    assert definition["retake"] == ["quiz", "scenario"] and definition["renew_days"] == 30
    assert definition["material"] == [{"kind": "scenario", "key": "test-wrong-item", "version": 2, "note": "错发运费新规"}]
    assert {"id": "refund-desk", "kind": "programme", "title": "售后客服", "lesson": None} in bundle.listing()
    core = Programme.from_definition("refund-desk", 1, definition)
    assert [r.kind for r in core.requirements] == ["lesson", "lesson", "quiz", "exam", "scenario", "glossary"]


def test_short_forms_and_defaults(tree):
    root = tree("""\
        programme: {id: short, title: 简版, summary: 只考场景。, valid_days: 180}
        requires:
          quizzes: [refund-basics]
          scenarios: [test-wrong-item]
        """)
    definition = load_content(root, calibrate_items=False).programmes[0].definition
    assert definition["requirements"] == [
        {"kind": "quiz", "key": "refund-basics", "label": "退款基础", "min_percent": None},
        {"kind": "scenario", "key": "test-wrong-item", "label": "保温杯发错了颜色"}]
    assert (definition["renew_days"], definition["retake"], definition["material"]) == (30, ["quiz", "exam", "scenario"], [])


HEAD = "programme: {id: tp, title: 测试, summary: 测试用。, valid_days: 365}\n"
BROKEN = [
    # (case, file text, [(line, field, message part)])
    ("unknown lesson", HEAD + "requires:\n  lessons: [greeting, no-such-lesson]\n",
     [(3, "requires.lessons[1]", "unknown lesson 'no-such-lesson'")]),
    ("unknown quiz", HEAD + "requires:\n  quizzes:\n    - {id: nope, min_percent: 80}\n",
     [(4, "requires.quizzes[0].id", "unknown quiz 'nope'")]),
    ("unknown exam", HEAD + "requires:\n  exam: {id: mid-term}\n", [(3, "requires.exam.id", "unknown exam 'mid-term'")]),
    ("unknown scenario", HEAD + "requires:\n  scenarios:\n    - test-wrong-item\n    - lost-parcel\n",
     [(5, "requires.scenarios[1].id", "unknown scenario 'lost-parcel'")]),
    ("glossary lesson unknown", HEAD + "requires:\n  glossary: {lessons: [nope]}\n",
     [(3, "requires.glossary.lessons[0]", "unknown lesson 'nope'")]),
    ("required twice", HEAD + "requires:\n  lessons: [greeting, greeting]\n",
     [(3, "requires.lessons[1]", "'greeting' is required twice")]),
    ("material not required", HEAD + "requires:\n  lessons: [greeting]\nmaterial:\n  - {quiz: refund-basics, version: 2, note: 新规}\n",
     [(5, "material[0].quiz", "quiz 'refund-basics' is not required by this programme")]),
    ("material with two targets", HEAD + "requires:\n  quizzes: [refund-basics]\n"
     "material:\n  - {quiz: refund-basics, scenario: test-wrong-item, version: 2, note: 新规}\n",
     [(5, "material[0]", "name exactly one of quiz, exam or scenario")]),
    ("material version 1", HEAD + "requires:\n  quizzes: [refund-basics]\nmaterial:\n  - {quiz: refund-basics, version: 1, note: 新规}\n",
     [(5, "material[0].version", "greater than or equal to 2")]),
    ("nothing required", HEAD + "requires: {}\n", [(2, "requires", "a programme requires at least one thing")]),
    ("unknown key", HEAD + "requires:\n  lessons: [greeting]\n  essays: [x]\n", [(4, "requires.essays", "unknown key")]),
    ("missing validity", "programme: {id: tp, title: 测试, summary: 测试用。}\nrequires: {lessons: [greeting]}\n",
     [(1, "programme.valid_days", "required field is missing")]),
    ("renewal window too long", "programme: {id: tp, title: 测试, summary: 测试用。, valid_days: 60, renew_days: 60}\n"
     "requires: {lessons: [greeting]}\n", [(1, "programme", "renew_days (60) must be shorter than valid_days (60)")]),
    ("a percent as text", HEAD + "requires:\n  quizzes:\n    - {id: refund-basics, min_percent: '80'}\n",
     [(4, "requires.quizzes[0].min_percent", "valid integer")]),
    ("unknown retake group", "programme: {id: tp, title: 测试, summary: 测试用。, valid_days: 365, retake: [lessons]}\n"
     "requires: {lessons: [greeting]}\n", [(1, "programme.retake[0]", "'quizzes', 'exam' or 'scenarios'")]),
    ("yes as a boolean", HEAD + "requires:\n  lessons: [greeting]\n  glossary: {min_percent: yes}\n",
     [(4, "requires.glossary.min_percent", "would be read as a boolean")]),
]


@pytest.mark.parametrize("text, expected", [row[1:] for row in BROKEN], ids=[row[0] for row in BROKEN])
def test_broken_programme_files_name_file_line_and_field(tree, text, expected):
    found = errors_of(tree(text))
    assert [(path, line, field) for path, line, field, _ in found] == \
        [("content/certification/p.yaml", line, field) for line, field, _ in expected]
    for (_, _, _, message), (_, _, part) in zip(found, expected):
        assert part in message


def test_duplicate_programme_ids_across_files(tree):
    tree(VALID, "a.yaml")
    root = tree(VALID, "b.yaml")
    assert errors_of(root) == [("content/certification/b.yaml", 3, "programme.id",
                                "duplicate programme id 'refund-desk' (also in content/certification/a.yaml)")]


def test_every_problem_of_every_file_at_once(tree):
    tree(HEAD + "requires:\n  lessons: [nope]\n", "a.yaml")
    root = tree(HEAD.replace("id: tp", "id: tq") + "requires:\n  scenarios: [nope]\n", "b.yaml")
    assert [(path, field) for path, _, field, _ in errors_of(root)] == [
        ("content/certification/a.yaml", "requires.lessons[0]"), ("content/certification/b.yaml", "requires.scenarios[0].id")]

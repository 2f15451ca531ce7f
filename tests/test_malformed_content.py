"""The malformed-content corpus (``tests/data/malformed/``): each file, put in a copy of the test
content tree, gets its clear ``file:line: field: message`` from the loader and from ``trainer
content check``; ``content sync`` and, for the kinds the browser imports, the import page refuse
it; and nothing is saved: every database row and every file of the tree is as before.
"""
import hashlib
import io
import shutil
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import CONTENT_DIR, TESTS
from trainer.core.content import load_content
from trainer.core.errors import ContentInvalid

CORPUS = TESTS / "data" / "malformed"
#: Where a corpus folder's file goes in the content tree: a lesson, programme or transcript joins the
#: others, a quiz file, the glossary, the synonyms or the scenario replaces the valid one.
PLACES = {
    "manual": lambda name: f"manual/{name}",
    "quizzes": lambda name: "quizzes/refund-basics.yaml",
    "glossary": lambda name: "glossary.yaml",
    "synonyms": lambda name: "synonyms.yaml",
    "scenarios": lambda name: "scenarios/test-wrong-item.yaml",
    "certification": lambda name: f"certification/{name}",
    "transcripts": lambda name: f"scenarios/transcripts/test-wrong-item.{Path(name).stem}.txt",
}
#: The import page that takes a folder's kind of file; the other kinds exist only as files.
IMPORTS = {"quizzes": "/author/items/import", "glossary": "/author/glossary/import",
           "scenarios": "/author/scenarios/import"}

CASES = [
    # (file under malformed/, line, field, fragment of the message)
    ("manual/alias.md", 4, "part", "YAML anchors and aliases are not allowed"),
    ("manual/binary.md", 2, "", "file is not valid UTF-8 text"),
    ("manual/bom-unknown-key.md", 7, "colour", "unknown key"),
    ("manual/control-escape.md", 3, "title", "control character U+0007 (written as an escape"),
    ("manual/crlf-yes.md", 7, "required", "'yes' would be read as a boolean"),
    ("manual/duplicate-key.md", 7, "title", "duplicate key"),
    ("manual/empty.md", 1, "front matter", "file must start with a '---' line"),
    ("manual/gbk.md", 3, "", "file is not valid UTF-8 text"),
    ("manual/latin1.md", 4, "", "file is not valid UTF-8 text"),
    ("manual/minutes-text.md", 6, "minutes", "valid integer"),
    ("manual/missing-id.md", 2, "id", "required field is missing"),
    ("manual/nul-in-body.md", 14, "", "control character U+0000 in the text"),
    ("manual/tab.md", 4, "", "YAML syntax: found character '\\t' (a tab)"),
    ("manual/title-too-long.md", 3, "title", "at most 200 characters"),
    ("manual/unknown-link.md", 14, "body", "link to unknown lesson 'lesson:no-such-lesson'"),
    ("manual/utf16.md", 1, "", "file is UTF-16 text; save it as UTF-8"),
    ("manual/whitespace-title.md", 3, "title", "at least 1 character"),
    ("quizzes/answer-text.yaml", 9, "items[0].answer", "valid boolean"),
    ("quizzes/billion-laughs.yaml", 19, "lol1", "YAML anchors and aliases are not allowed"),
    ("quizzes/binary.yaml", 1, "", "file is not valid UTF-8 text"),
    ("quizzes/crlf-tab.yaml", 9, "", "YAML syntax: found character '\\t'"),
    ("quizzes/deeply-nested.yaml", 4, "quiz.lessons[0]", "nested more than 40 levels deep"),
    ("quizzes/duplicate-item-id.yaml", 11, "id", "duplicate item id 'mq-true'"),
    ("quizzes/duplicate-key.yaml", 10, "items[0].answer", "duplicate key"),
    ("quizzes/empty.yaml", 1, "quiz", "required field is missing"),
    ("quizzes/invalid-yaml.yaml", 5, "", "expected ',' or ']'"),
    ("quizzes/missing-items.yaml", 1, "items", "required field is missing"),
    ("quizzes/not-a-mapping.yaml", 1, "", "valid dictionary"),
    ("quizzes/nul-escape.yaml", 13, "items[1].prompt", "control character U+0000 (written as an escape"),
    ("quizzes/number-id.yaml", 6, "items[0].id", "valid string"),
    ("quizzes/prompt-too-long.yaml", 8, "items[0].prompt", "at most 2000 characters"),
    ("quizzes/raw-nul.yaml", 13, "", "control character U+0000 in the text"),
    ("quizzes/shift-jis.yaml", 3, "", "file is not valid UTF-8 text"),
    ("quizzes/unknown-field.yaml", 10, "items[0].difficulty", "unknown key"),
    ("quizzes/unknown-kind.yaml", 7, "items[0].kind", "Input should be 'single'"),
    ("quizzes/unknown-lesson.yaml", 11, "lessons", "unknown lesson 'no-such-lesson'"),
    ("quizzes/utf16.yaml", 1, "", "file is UTF-16 text"),
    ("quizzes/whitespace-only.yaml", 1, "quiz", "required field is missing"),
    ("glossary/anchor.yaml", 26, "terms[2].lesson", "YAML anchors and aliases are not allowed"),
    ("glossary/control-escape.yaml", 15, "terms[1].term", "control character U+001B"),
    ("glossary/missing-definition.yaml", 14, "terms[1].definition", "required field is missing"),
    ("glossary/over-long-line.yaml", 17, "terms[1].definition", "at most 600 characters"),
    ("glossary/term-too-long.yaml", 15, "terms[1].term", "at most 60 characters"),
    ("glossary/unknown-lesson.yaml", 24, "lesson", "unknown lesson 'no-such-lesson'"),
    ("glossary/utf16.yaml", 1, "", "file is UTF-16 text"),
    ("glossary/version-text.yaml", 1, "version", "valid integer"),
    ("glossary/whitespace-definition.yaml", 17, "terms[1].definition", "at least 1 character"),
    ("synonyms/alias.yaml", 3, "sets.apologise", "YAML anchors and aliases are not allowed"),
    ("synonyms/bad-set-name.yaml", 4, "sets.Check Order.[key]", "should match pattern"),
    ("synonyms/gbk.yaml", 3, "", "file is not valid UTF-8 text"),
    ("synonyms/one-wording.yaml", 4, "sets.check_order", "at least 2 items"),
    ("synonyms/sets-list.yaml", 2, "sets", "valid dictionary"),
    ("scenarios/duplicate-key.yaml", 9, "scenario.platform", "duplicate key"),
    ("scenarios/gbk.yaml", 3, "", "file is not valid UTF-8 text"),
    ("scenarios/missing-customer.yaml", 4, "scenario.customer", "required field is missing"),
    ("scenarios/mood-too-high.yaml", 15, "scenario.customer.mood", "less than or equal to 4"),
    ("scenarios/not-a-mapping.yaml", 1, "", "valid dictionary"),
    ("scenarios/order-number-letters.yaml", 21, "scenario.order.number", "should match pattern"),
    ("scenarios/pass-text.yaml", 11, "scenario.pass", "valid integer"),
    ("scenarios/unknown-lesson.yaml", None, "lessons", "unknown lesson 'no-such-lesson'"),
    ("certification/missing-title.yaml", 1, "programme.title", "required field is missing"),
    ("certification/unknown-field.yaml", 7, "programme.colour", "unknown key"),
    ("certification/unknown-quiz.yaml", 10, "requires.quizzes[0].id", "unknown quiz 'no-such-quiz'"),
    ("certification/valid-days-text.yaml", 5, "programme.valid_days", "valid integer"),
    ("certification/valid-days-too-short.yaml", 5, "programme.valid_days", "greater than or equal to 30"),
    ("certification/yes-boolean.yaml", 12, "requires.glossary", "'yes' would be read as a boolean"),
    ("transcripts/gbk.txt", 2, "", "file is not valid UTF-8 text"),
    ("transcripts/no-expect.txt", 1, "expect", "add a line '# expect: pass'"),
    ("transcripts/nul.txt", 3, "", "control character U+0000 in the text"),
]
PARAMS = [pytest.param(*case, id=case[0]) for case in CASES]
#: What the import page says where it reads the file otherwise than the loader: a list is a list of
#: items there (joining the quiz chosen), and a scenario file is recognised by its ``scenario:``.
IMPORT_MESSAGES = {
    "quizzes/duplicate-item-id.yaml": "duplicate id 'mq-true' (also line 6)",
    "quizzes/not-a-mapping.yaml": "choose the quiz the items join",
    "scenarios/not-a-mapping.yaml": "scenario: not a scenario file",
}


def place(tmp_path, name):
    """A copy of the test content with the corpus file ``name`` in its place; ``(root, its path there)``."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("broken"))
    folder, file_name = name.split("/")
    relative = PLACES[folder](file_name)
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_bytes((CORPUS / name).read_bytes())
    return root, f"content/{relative}"


def printed(output, where, line, field, fragment):
    """Whether ``trainer content check`` printed the error as ``file:line: field: message``."""
    start = f"{where}:{line}: {field or '-'}: " if line else f"{where}: {field or '-'}: "
    return any(row.startswith(start) and fragment in row for row in output.splitlines())


def test_every_corpus_file_has_its_expected_error():
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file())
    assert files == sorted(name for name, *_ in CASES)


@pytest.mark.parametrize(("name", "line", "field", "fragment"), PARAMS)
def test_the_loader_names_file_line_and_field(tmp_path, name, line, field, fragment):
    root, where = place(tmp_path, name)
    with pytest.raises(ContentInvalid) as info:
        load_content(root)
    first, *others = info.value.errors
    assert (first.path, first.line, first.field) == (where, line, field)
    assert fragment in first.message
    # Only the broken file is blamed, and what needs it: the exam draws from the quiz's items, and
    # wordings naming the synonym sets fail without them.
    if not name.startswith("synonyms/"):
        assert all(e.path == where or e.field.startswith("exam.pools") for e in others), others


def test_a_huge_file_is_read_to_its_end_and_its_last_line_named(tmp_path):
    """A glossary past what the browser may upload (2 MB) with one bad term at the end."""
    root, _ = place(tmp_path, "glossary/version-text.yaml")
    terms = "".join(f"  - id: term-{n}\n    term: 词{n}\n    lesson: greeting\n    definition: 定义{n}。\n"
                    f"    key_points:\n      - label: 要点\n        aliases: [要点]\n" for n in range(16000))
    text = "version: 1\nterms:\n" + terms + "  - id: last\n    term: 末\n    lesson: greeting\n    definition: 定义\n"
    (root / "glossary.yaml").write_text(text, encoding="utf-8")
    assert len(text.encode()) > 2 * 2**20
    with pytest.raises(ContentInvalid) as info:
        load_content(root, calibrate_items=False)
    assert [str(e) for e in info.value.errors] == [
        f"content/glossary.yaml:{text.count(chr(10)) - 3}: terms[16000].key_points: required field is missing"]


# --- the command and the import pages save nothing --------------------------------------------

def tree_fingerprint(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


def database_rows(db):
    """Every row of every table, in key order: what "nothing saved" is compared on."""
    return {table.name: [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables}


@pytest.fixture
def tess(browser, make_user, synced):
    make_user("tess", roles=["trainer"])
    browser.login("tess")


@pytest.mark.parametrize(("name", "line", "field", "fragment"), PARAMS)
def test_check_sync_and_import_refuse_and_save_nothing(app, db, runner, browser, tess, tmp_path,
                                                       name, line, field, fragment):
    root, where = place(tmp_path, name)
    files, rows = tree_fingerprint(root), database_rows(db)
    app.config["CONTENT_DIR"] = str(root)

    checked = runner.invoke(args=["content", "check"])
    assert checked.exit_code == 1
    assert printed(checked.output, where, line, field, fragment), checked.output
    synced_again = runner.invoke(args=["content", "sync"])
    assert synced_again.exit_code == 1 and "nothing was loaded" in synced_again.output

    folder = name.split("/")[0]
    if folder in IMPORTS:
        app.config["CONTENT_DIR"] = str(CONTENT_DIR)  # the tree the site runs on; the file is only uploaded
        upload = {"file": (io.BytesIO((CORPUS / name).read_bytes()), Path(name).name)}
        if folder == "quizzes":
            upload["quiz"] = ""  # the form's "from the file"
        response = browser.post(IMPORTS[folder], upload, content_type="multipart/form-data")
        page = unescape(response.get_data(as_text=True))
        assert response.status_code == 400  # refused, as every import refuses a bad file
        assert Path(name).name in page and IMPORT_MESSAGES.get(name, fragment) in page

    db.session.expire_all()
    assert database_rows(db) == rows
    assert tree_fingerprint(root) == files

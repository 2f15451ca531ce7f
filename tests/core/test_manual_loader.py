"""The strict lesson loader: every malformed file is named as ``file:line: field: message``.

Most cases edit one line of ``VALID`` and state the line and field the error must name.
"""
import hashlib
from pathlib import Path

import pytest

from trainer.core.content import load_content
from trainer.core.content.manual import load_manual, parse_lesson
from trainer.core.errors import ContentInvalid

DATA = Path(__file__).parent.parent / "data" / "content"

#: Line numbers: 1 ``---``, 2 id, 3 title, 4 part, 5 order, 6 minutes, 7 required,
#: 8 objectives, 9 first objective, 10 ``---``, 11 blank, 12 ``## 小节``, 13 blank, 14 正文.
VALID = """\
---
id: sample
title: 示例课
part: 测试
order: 10
minutes: 5
required: true
objectives:
  - 目标一
---

## 小节

正文。
"""


def edit(old, new):
    """``VALID`` with one piece replaced; a typo in a table row fails loudly."""
    assert old in VALID
    return VALID.replace(old, new, 1)


def lesson_text(lesson_id, order, body="## 小节\n\n正文。\n"):
    """A valid lesson file (order on line 5, body from line 12)."""
    return VALID.replace("id: sample", f"id: {lesson_id}").replace("order: 10", f"order: {order}").replace(
        "## 小节\n\n正文。\n", body
    )


def problems(source, path="sample.md"):
    """Parse a lesson that must fail; return its errors as ``(line, field, message)``."""
    data = source.encode() if isinstance(source, str) else source
    with pytest.raises(ContentInvalid) as info:
        parse_lesson(data, path)
    return [(error.line, error.field, error.message) for error in info.value.errors]


def assert_one_problem(source, line, field, fragment):
    [(got_line, got_field, message)] = problems(source)
    assert (got_line, got_field) == (line, field)
    assert fragment in message


def _xfail(reason):
    """A known bug in ``trainer/core``: the test states the right behaviour."""
    return pytest.mark.xfail(strict=True, reason=reason)


FRONT_MATTER_CASES = [
    # (source, line, field, fragment of the message)
    pytest.param(edit("minutes: 5\n", "minutes: 5\ncolour: 红色\n"), 7, "colour", "unknown key", id="unknown-key"),
    pytest.param(edit("minutes: 5\n", "minutes: 5\ntitle: 又一个标题\n"), 7, "title", "duplicate key", id="duplicate-key"),
    pytest.param(edit("part: 测试", "part: &p 测试"), 4, "part", "anchors and aliases", id="anchor"),
    pytest.param(edit("  - 目标一", "  - *p"), 9, "objectives[0]", "anchors and aliases", id="alias"),
    pytest.param(edit("id: sample", "&i id: sample"), 2, "id", "anchors and aliases", id="anchor-on-key"),
    pytest.param(edit("required: true", "required: yes"), 7, "required", "'yes' would be read as a boolean", id="yes"),
    pytest.param(edit("required: true", "required: on"), 7, "required", "'on' would be read as a boolean", id="on"),
    pytest.param(edit("required: true", "required: no"), 7, "required", "'no' would be read as a boolean", id="no"),
    pytest.param(edit("required: true", "required: Off"), 7, "required", "'Off' would be read as a boolean", id="Off"),
    pytest.param(edit("title: 示例课", "title: no"), 3, "title", "'no' would be read as a boolean", id="no-as-title"),
    pytest.param(edit("id: sample\n", ""), 2, "id", "required field is missing", id="missing-id"),
    pytest.param(edit("id: sample", "id: Sample"), 2, "id", "should match pattern", id="id-uppercase"),
    pytest.param(edit("id: sample", "id: 示例"), 2, "id", "should match pattern", id="id-chinese"),
    pytest.param(edit("id: sample", "id: sample_1"), 2, "id", "should match pattern", id="id-underscore"),
    pytest.param(edit("id: sample", "id: -sample"), 2, "id", "should match pattern", id="id-leading-dash"),
    pytest.param(edit("id: sample", "id: s"), 2, "id", "should match pattern", id="id-too-short"),
    pytest.param(edit("order: 10", 'order: "10"'), 5, "order", "valid integer", id="order-quoted"),
    pytest.param(edit("minutes: 5", "minutes: 5.5"), 6, "minutes", "valid integer", id="minutes-float"),
    pytest.param(edit("minutes: 5", "minutes: 0"), 6, "minutes", "greater than or equal to 1", id="minutes-zero"),
    pytest.param(edit("required: true", 'required: "true"'), 7, "required", "valid boolean", id="required-quoted"),
    pytest.param(edit("title: 示例课", "title: 2024-05-01"), 3, "title", "valid string", id="title-date"),
    pytest.param(edit("title: 示例课", "title: '  '"), 3, "title", "at least 1 character", id="title-blank"),
    pytest.param(edit("objectives:\n  - 目标一", "objectives: 目标一"), 8, "objectives", "valid list", id="objectives-text"),
    pytest.param(edit("objectives:\n  - 目标一", "objectives: []"), 8, "objectives", "at least 1 item", id="objectives-empty"),
    pytest.param(edit("  - 目标一", "  - 目标一\n  - ''"), 10, "objectives[1]", "at least 1 character", id="objective-blank"),
]


@pytest.mark.parametrize(("source", "line", "field", "fragment"), FRONT_MATTER_CASES)
def test_front_matter_problem_names_line_and_field(source, line, field, fragment):
    assert_one_problem(source, line, field, fragment)


FILE_CASES = [
    pytest.param("## 小节\n\n正文。\n", 1, "front matter", "must start with a '---' line", id="no-front-matter"),
    pytest.param(edit("---\n\n## 小节", "\n## 小节"), 1, "front matter", "no closing '---'", id="unclosed"),
    pytest.param(edit("part: 测试", "part: 测试: 多余"), 4, "", "YAML syntax", id="colon-in-value"),
    pytest.param(edit("part: 测试", "part:\t测试"), 4, "", "YAML syntax", id="tab"),
    pytest.param(edit("  - 目标一", "  - 目标一\n - 目标二"), 10, "", "YAML syntax", id="bad-indent"),
    pytest.param(edit("title: 示例课", 'title: "没有闭合的引号'), 3, "", "while scanning a quoted scalar", id="unterminated-quote"),
    pytest.param(edit("  - 目标一", "  - '没有闭合"), 9, "", "YAML syntax", id="unterminated-quote-in-list"),
    pytest.param(VALID.encode("gbk"), 3, "", "not valid UTF-8", id="gbk-file"),
    pytest.param(
        VALID.encode().replace("正文。".encode(), "正文。".encode("gbk")), 14, "", "not valid UTF-8", id="gbk-line-14",
    ),
    pytest.param(VALID.split("## 小节")[0], 11, "body", "no text", id="empty-body"),
]


@pytest.mark.parametrize(("source", "line", "field", "fragment"), FILE_CASES)
def test_file_problem_names_line(source, line, field, fragment):
    assert_one_problem(source, line, field, fragment)



BODY_CASES = [
    pytest.param(edit("## 小节", "# 小节"), 12, "no '#' headings", id="h1"),
    pytest.param(edit("## 小节", "#小节"), 12, "no '#' headings", id="h1-without-space"),
    pytest.param(edit("## 小节", "小节\n==="), 12, "no '#' headings", id="setext-h1"),
    pytest.param(edit("## 小节", "小节\n---\n\n#### 深入"), 15, "skips a level (h2 → h4)", id="setext-h2-then-h4"),
    pytest.param(edit("## 小节\n", "空的\n---\n## 小节\n"), 12, "section '空的' has no text", id="setext-h2-empty"),
    pytest.param(edit("## 小节", "###小节"), 12, "skips a level (h1 → h3)", id="h3-without-space"),
    pytest.param(VALID + "\n* * *\n小节\n===\n\n文字。\n", 17, "no '#' headings", id="setext-h1-after-rule"),
    pytest.param(VALID + "\n!!! tip\n    内容\n小节\n===\n\n文字。\n", 18, "no '#' headings", id="setext-h1-after-block"),
    pytest.param(VALID + "\n#### 深入\n\n文字。\n", 16, "skips a level (h2 → h4)", id="h2-to-h4"),
    pytest.param(edit("## 小节", "### 小节"), 12, "skips a level (h1 → h3)", id="starts-at-h3"),
    pytest.param(edit("## 小节\n", "## 空的\n## 小节\n"), 12, "section '空的' has no text", id="empty-then-heading"),
    pytest.param(
        edit("正文。\n", "正文。\n\n### 子\n## 下一节\n\n文字。\n"), 16, "section '子' has no text", id="empty-h3-then-h2",
    ),
    pytest.param(VALID + "\n## 结尾\n", 16, "section '结尾' has no text", id="empty-at-end"),
    pytest.param(VALID + "\n## \n\n文字。\n", 16, "empty heading", id="empty-heading-trailing-space"),
    pytest.param(VALID + "\n##\n\n文字。\n", 16, "empty heading", id="empty-heading"),
    pytest.param(VALID + "\n## ##\n\n文字。\n", 16, "empty heading", id="empty-heading-closing-hashes"),
    pytest.param(VALID + '\n!!! foo "标题"\n    内容\n', 16, "unknown block '!!! foo'", id="unknown-admonition"),
    pytest.param(VALID + '\n!!!foo "标题"\n    内容\n', 16, "unknown block '!!! foo'", id="unknown-admonition-no-space"),
    pytest.param(VALID + "\n```\n代码\n````\n# 一级\n\n文字。\n", 19, "no '#' headings", id="h1-after-mismatched-fence"),
    pytest.param(VALID + "\n   ```\n# 一级\n   ```\n", 17, "no '#' headings", id="h1-inside-indented-fence"),
]


@pytest.mark.parametrize(("source", "line", "fragment"), BODY_CASES)
def test_body_problem_names_line(source, line, fragment):
    assert_one_problem(source, line, "body", fragment)


def test_error_prints_file_line_field_message():
    with pytest.raises(ContentInvalid) as info:
        parse_lesson(edit("minutes: 5\n", "minutes: 5\ncolour: 红色\n").encode(), "content/manual/x.md")
    assert str(info.value) == "content/manual/x.md:7: colour: unknown key"


def test_several_front_matter_problems_are_reported_together():
    source = edit("id: sample\n", "").replace("order: 10", 'order: "10"').replace("minutes: 5\n", "minutes: 5\ncolour: 红\n")
    assert sorted((line, field) for line, field, _ in problems(source)) == [(2, "id"), (4, "order"), (6, "colour")]


@pytest.mark.parametrize(
    ("front", "front_problem"),
    [
        (("required: true", "required: yes"), (7, "required")),
        (("title: 示例课", 'title: "没有闭合'), (3, "")),
        (("minutes: 5\n", "minutes: 5\ncolour: 红\n"), (7, "colour")),
    ],
    ids=["yaml-value", "yaml-syntax", "schema"],
)
def test_front_matter_and_body_problems_are_reported_together(front, front_problem):
    source = edit(*front).replace("## 小节", "# 小节")
    body_line = 13 if front[0].startswith("minutes") else 12
    assert [(line, field) for line, field, _ in problems(source)] == [front_problem, (body_line, "body")]


def test_anchor_error_names_the_field():
    [(line, field, _)] = problems(edit("part: 测试", "part: &p 测试"))
    assert (line, field) == (4, "part")


RICH = """\
---
id: rich-sample
title: 完整的示例课
part: 售前接待
order: 30
minutes: 12
required: false
objectives:
  - 目标一
  - 目标二
---

## 第一节

见[另一课](lesson:other-lesson)。

### 细节

| 甲 | 乙 |
| --- | --- |
| 1 | 2 |

!!! tip "小技巧"
    先看订单号。

## 第二节

再见[第三课](lesson:third)。
"""


def test_valid_lesson_loads_with_fields_outline_links_and_hash():
    data = RICH.encode()
    lesson = parse_lesson(data, "content/manual/rich.md")
    assert (lesson.id, lesson.title, lesson.part, lesson.order, lesson.minutes, lesson.required) == (
        "rich-sample", "完整的示例课", "售前接待", 30, 12, False,
    )
    assert lesson.objectives == ("目标一", "目标二")
    assert lesson.outline == ((2, "第一节", "第一节"), (3, "细节", "细节"), (2, "第二节", "第二节"))
    assert lesson.links == ((15, "other-lesson"), (28, "third"))
    assert lesson.source == "content/manual/rich.md"
    assert lesson.content_hash == hashlib.sha256(data).hexdigest()
    assert '<a href="other-lesson" rel="noopener noreferrer">另一课</a>' in lesson.html
    assert '<div class="admonition tip">' in lesson.html
    assert "<table>" in lesson.html


@pytest.mark.parametrize(
    ("other", "same_hash"),
    [
        (RICH, True),
        (RICH.replace("先看订单号。", "先看订单号！"), False),
        (RICH.replace("\n", "\r\n"), False),
    ],
    ids=["same-bytes", "one-character", "crlf"],
)
def test_content_hash_follows_the_bytes(other, same_hash):
    first = parse_lesson(RICH.encode(), "a.md")
    second = parse_lesson(other.encode(), "a.md")
    assert (first.content_hash == second.content_hash) is same_hash
    assert second.outline == first.outline


def test_crlf_file_loads_like_lf():
    lesson = parse_lesson(RICH.replace("\n", "\r\n").encode(), "a.md")
    assert lesson.links == ((15, "other-lesson"), (28, "third"))
    assert lesson.objectives == ("目标一", "目标二")


def test_utf8_bom_is_not_part_of_the_text():
    lesson = parse_lesson(b"\xef\xbb\xbf" + RICH.encode(), "a.md")
    assert (lesson.id, lesson.links) == ("rich-sample", ((15, "other-lesson"), (28, "third")))
    assert problems(b"\xef\xbb\xbf" + edit("required: true", "required: yes").encode()) == [
        (7, "required", "'yes' would be read as a boolean; write true or false, or quote the text")
    ]


def test_fenced_code_is_code_not_headings_blocks_or_links():
    body = "## 小节\n\n```\n# 一级\n!!! foo\n[甲](lesson:nope)\n小节\n===\n```\n\n~~~\n## 空\n~~~\n"
    lesson = parse_lesson(lesson_text("fenced", 10, body).encode(), "a.md")
    assert lesson.links == ()
    assert lesson.outline == ((2, "小节", "小节"),)
    assert "<pre><code># 一级\n!!! foo\n[甲](lesson:nope)\n小节\n===\n</code></pre>" in lesson.html


def test_setext_h2_is_a_section_like_hashes():
    lesson = parse_lesson(lesson_text("setext", 10, "小节\n----\n\n正文。\n\n### 细节\n\n文字。\n").encode(), "a.md")
    assert lesson.outline == ((2, "小节", "小节"), (3, "细节", "细节"))
    assert '<h2 id="小节">小节</h2>' in lesson.html


def test_dashes_under_a_paragraph_line_are_a_rule_not_a_heading():
    lesson = parse_lesson(lesson_text("rule", 10, "## 小节\n\n正文。\n更多。\n---\n\n结尾。\n").encode(), "a.md")
    assert lesson.outline == ((2, "小节", "小节"),)
    assert "<hr>" in lesson.html


def test_a_hash_line_inside_a_table_is_a_row_not_a_heading():
    body = "## 小节\n\n| 甲 | 乙 |\n| --- | --- |\n# 不是标题 | 2 |\n"
    lesson = parse_lesson(lesson_text("table", 10, body).encode(), "a.md")
    assert "<td># 不是标题</td>" in lesson.html


def test_admonition_kind_is_case_insensitive_like_the_renderer():
    lesson = parse_lesson(lesson_text("tips", 10, '## 小节\n\n!!! TIP "提示"\n    内容\n').encode(), "a.md")
    assert '<div class="admonition tip">' in lesson.html


@pytest.mark.parametrize(
    ("body", "links"),
    [
        ("见[甲](lesson:alpha \"标题\")。", ((14, "alpha"),)),
        ("见[甲](<lesson:alpha>)。", ((14, "alpha"),)),
        ("见[甲][r]。\n\n[r]: lesson:alpha", ((16, "alpha"),)),
        ("见[甲][r]。\n\n[r]:\n    lesson:alpha", ((17, "alpha"),)),
        ("写作 `[甲](lesson:alpha)` 即可。", ()),
        ("写作 ``[甲](lesson:alpha)`` 或 `[r]: lesson:beta`。", ()),
        ("```\n[r]: lesson:alpha\n```", ()),
        ("`[甲](lesson:alpha)` 和[乙](lesson:beta)", ((14, "beta"),)),
    ],
    ids=["title", "angle-brackets", "reference", "reference-next-line", "code-span", "double-backticks",
         "fenced-reference", "code-span-then-link"],
)
def test_lesson_links_are_found_outside_code(body, links):
    lesson = parse_lesson(lesson_text("linker", 10, f"## 小节\n\n{body}\n").encode(), "a.md")
    assert lesson.links == links


# Every file under broken/manual has exactly one problem; this table names it.
BROKEN = [
    ("anchor-alias.md", "4: part: YAML anchors and aliases are not allowed; write the value out"),
    ("empty-section.md", "12: body: section '空小节' has no text"),
    ("gbk-encoded.md", "3: -: file is not valid UTF-8 text"),
    ("h1-heading.md", "12: body: no '#' headings: the title comes from the front matter; start at '##'"),
    ("skipped-level.md", "16: body: heading '跳级' skips a level (h2 → h4)"),
    ("unclosed-front-matter.md", "1: front matter: no closing '---' line"),
    ("unknown-key.md", "7: colour: unknown key"),
    ("yes-boolean.md", "7: required: 'yes' would be read as a boolean; write true or false, or quote the text"),
]


@pytest.mark.parametrize(("name", "expected"), BROKEN)
def test_broken_file_is_named_exactly(name, expected):
    path = DATA / "broken" / "manual" / name
    with pytest.raises(ContentInvalid) as info:
        parse_lesson(path.read_bytes(), f"broken/manual/{name}")
    assert [str(error) for error in info.value.errors] == [f"broken/manual/{name}:{expected}"]


def test_broken_directory_returns_no_lessons_and_one_error_per_file():
    lessons, errors = load_manual(DATA / "broken" / "manual", relative_to=DATA.parent)
    assert lessons == []
    assert sorted(str(error) for error in errors) == [
        f"content/broken/manual/{name}:{expected}" for name, expected in BROKEN
    ]


def test_shipped_test_tree_is_valid_and_linked():
    bundle = load_content(DATA)
    assert [lesson.id for lesson in bundle.lessons] == ["greeting", "order-check", "refund-basics"]
    ids = {lesson.id for lesson in bundle.lessons}
    targets = {target for lesson in bundle.lessons for _, target in lesson.links}
    assert targets == ids
    assert bundle.lessons[0].source == "content/manual/greeting.md"


@pytest.fixture
def manual(tmp_path):
    """Write lesson files into ``tmp_path/content/manual``; returns the writer."""
    folder = tmp_path / "content" / "manual"
    folder.mkdir(parents=True)

    def write(name, text):
        (folder / name).write_bytes(text.encode() if isinstance(text, str) else text)
        return folder

    return write


def test_broken_file_is_left_out_and_valid_ones_kept(manual):
    manual("a.md", lesson_text("alpha", 10))
    folder = manual("b.md", edit("required: true", "required: yes"))
    lessons, errors = load_manual(folder, relative_to=folder.parent.parent)
    assert [lesson.id for lesson in lessons] == ["alpha"]
    assert [str(error) for error in errors] == [
        "content/manual/b.md:7: required: 'yes' would be read as a boolean; write true or false, or quote the text"
    ]


# Files are loaded in name order, so the second file (b.md) carries cross-file errors.
CROSS_FILE_CASES = [
    pytest.param(
        {"a.md": lesson_text("alpha", 10), "b.md": lesson_text("alpha", 20)},
        ["content/manual/b.md:2: id: duplicate id 'alpha' (also in content/manual/a.md)"],
        id="duplicate-id",
    ),
    pytest.param(
        {
            "a.md": lesson_text("alpha", 10),
            "b.md": lesson_text("alpha", 20).replace("id: alpha\ntitle: 示例课", "title: 示例课\nid: alpha"),
        },
        ["content/manual/b.md:3: id: duplicate id 'alpha' (also in content/manual/a.md)"],
        id="duplicate-id-not-first",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10), "b.md": lesson_text("beta", 10)},
        ["content/manual/b.md:5: order: order 10 is also used by content/manual/a.md"],
        id="duplicate-order",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10, "## 小节\n\n正文。\n\n见[别处](lesson:nope)。\n")},
        ["content/manual/a.md:16: body: link to unknown lesson 'lesson:nope'"],
        id="unknown-link",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10, "## 小节\n\n见[乙](lesson:beta)和[丙](lesson:gamma)。\n"), "b.md": lesson_text("beta", 20)},
        ["content/manual/a.md:14: body: link to unknown lesson 'lesson:gamma'"],
        id="one-of-two-links-unknown",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10, "## 小节\n\n见[乙](lesson:beta)。\n"), "b.md": lesson_text("beta", 20, "# 一级\n\n正文。\n")},
        ["content/manual/b.md:12: body: no '#' headings: the title comes from the front matter; start at '##'"],
        id="link-to-broken-lesson",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10, "## 小节\n\n见[乙](lesson:beta)。\n"),
         "b.md": lesson_text("beta", 20).replace("minutes: 5\n", "minutes: 5\ncolour: 红\n")},
        ["content/manual/b.md:7: colour: unknown key"],
        id="link-to-lesson-with-schema-error",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10, "## 小节\n\n见[乙](lesson:beta)。\n"),
         "b.md": lesson_text("beta", 20).replace("part: 测试", "part: 测试: 多余")},
        ["content/manual/b.md:4: -: YAML syntax: mapping values are not allowed in this context",
         "content/manual/a.md:14: body: link to unknown lesson 'lesson:beta'"],
        id="link-to-lesson-whose-yaml-is-broken",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10, "## 小节\n\n见[乙][b]。\n\n[b]: lesson:nope\n")},
        ["content/manual/a.md:16: body: link to unknown lesson 'lesson:nope'"],
        id="unknown-reference-link",
    ),
    pytest.param(
        {"a.md": lesson_text("alpha", 10, "## 小节\n\n写作 `[乙](lesson:nope)`。\n")},
        [],
        id="link-in-code-span-not-checked",
    ),
]


@pytest.mark.parametrize(("files", "expected"), CROSS_FILE_CASES)
def test_cross_file_problem(manual, files, expected):
    for name, text in files.items():
        folder = manual(name, text)
    _, errors = load_manual(folder, relative_to=folder.parent.parent)
    assert [str(error) for error in errors] == expected


def test_links_between_lessons_resolve(manual):
    manual("a.md", lesson_text("alpha", 10, "## 小节\n\n见[乙](lesson:beta)。\n"))
    folder = manual("b.md", lesson_text("beta", 5, "## 小节\n\n回到[甲](lesson:alpha)。\n"))
    lessons, errors = load_manual(folder, relative_to=folder.parent.parent)
    assert errors == []
    assert [(lesson.id, lesson.links) for lesson in lessons] == [("beta", ((14, "alpha"),)), ("alpha", ((14, "beta"),))]


def test_load_content_lists_every_files_errors_at_once(manual):
    manual("a-good.md", lesson_text("good", 10))
    manual("b-key.md", edit("minutes: 5\n", "minutes: 5\ncolour: 红色\n").replace("order: 10", "order: 20"))
    manual("c-h1.md", lesson_text("heading", 30, "# 一级\n\n正文。\n"))
    manual("d-gbk.md", lesson_text("encoded", 40).encode("gbk"))
    folder = manual("e-link.md", lesson_text("linked", 50, "## 小节\n\n见[无](lesson:nope)。\n"))
    with pytest.raises(ContentInvalid) as info:
        load_content(folder.parent)
    assert sorted((error.path, error.line, error.field) for error in info.value.errors) == [
        ("content/manual/b-key.md", 7, "colour"),
        ("content/manual/c-h1.md", 12, "body"),
        ("content/manual/d-gbk.md", 3, ""),
        ("content/manual/e-link.md", 14, "body"),
    ]
    assert str(info.value).count("\n") == 3


def test_load_content_returns_lessons_in_order(manual):
    manual("a.md", lesson_text("late", 200))
    folder = manual("b.md", lesson_text("early", 100))
    bundle = load_content(folder.parent)
    assert [lesson.id for lesson in bundle.lessons] == ["early", "late"]
    assert [(r["id"], r["kind"], r["title"], r["lesson"]) for r in bundle.listing()] == [
        ("early", "lesson", "示例课", "early"), ("late", "lesson", "示例课", "late")]

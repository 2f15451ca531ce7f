"""Cohort CSV files: every encoding Chinese offices produce, every bad row named at once."""
import pytest

from trainer.core.errors import RosterInvalid
from trainer.core.roster import MAX_ROWS, PROBLEMS, Problem, check_roster, parse_roster


def rows(data):
    return [(row.line, row.name, row.username, row.cohort, row.email) for row in parse_roster(data)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            "name,username,cohort,email\n张三,ZhangSan,2024春季,ZS@Example.COM\n".encode(),
            [(2, "张三", "zhangsan", "2024春季", "ZS@example.com")],
            id="utf8",
        ),
        pytest.param(
            "\ufeffname,username,cohort\n张三,zhangsan,2024春季\n".encode(),
            [(2, "张三", "zhangsan", "2024春季", None)],
            id="utf8-bom",
        ),
        pytest.param(
            "姓名,用户名,入职批次,邮箱\n张三,zhangsan,2024春季,\n李四,LiSi,2024春季,lisi@example.com\n".encode("gbk"),
            [(2, "张三", "zhangsan", "2024春季", None), (3, "李四", "lisi", "2024春季", "lisi@example.com")],
            id="gbk",
        ),
        pytest.param(
            "姓名,账号,批次,电子邮箱\n王五,wangwu,二〇二四秋季,\n".encode("gb18030"),
            [(2, "王五", "wangwu", "二〇二四秋季", None)],
            id="gb18030-header-variants",
        ),
        pytest.param(
            " Name ,USERNAME,Cohort\n张三,zhangsan,一期\n".encode(),
            [(2, "张三", "zhangsan", "一期", None)],
            id="header-case-and-spaces",
        ),
        pytest.param(
            "部门,用户名,姓名,入职批次\n客服部,zhangsan,张三,一期\n".encode(),
            [(2, "张三", "zhangsan", "一期", None)],
            id="column-order-and-extra-column",
        ),
        pytest.param(
            "name,username,cohort\r\n张三,zhangsan,一期\r\n李四,lisi,一期\r\n".encode(),
            [(2, "张三", "zhangsan", "一期", None), (3, "李四", "lisi", "一期", None)],
            id="crlf",
        ),
        pytest.param(
            "name,username,cohort\n\n张三,zhangsan,一期\n , ,\n\n李四,lisi,一期\n\n".encode(),
            [(3, "张三", "zhangsan", "一期", None), (6, "李四", "lisi", "一期", None)],
            id="blank-lines-skipped",
        ),
        pytest.param(
            "name,username,cohort\n  张三 , Zhang.San_1 , 一期 \n".encode(),
            [(2, "张三", "zhang.san_1", "一期", None)],
            id="cells-stripped",
        ),
    ],
)
def test_valid_roster(data, expected):
    assert rows(data) == expected


def errors(data):
    """Parse a file that must fail; return ``{line: [(code, params), …]}``."""
    with pytest.raises(RosterInvalid) as info:
        parse_roster(data)
    return {line: [(p.code, p.params) for p in problems] for line, problems in info.value.errors.items()}


HEADER = "name,username,cohort,email\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", {1: [("empty_file", {})]}, id="empty"),
        pytest.param(b"name,username,cohort\n", {1: [("no_people", {})]}, id="header-only"),
        pytest.param(b"name,username,cohort\n\n , ,\n", {1: [("no_people", {})]}, id="header-and-blank-lines"),
        pytest.param(
            "姓名,用户名\n张三,zhangsan\n".encode(), {1: [("missing_columns", {"columns": "cohort"})]}, id="missing-column",
        ),
        pytest.param(
            b"name;username;cohort\n", {1: [("missing_columns", {"columns": "name, username, cohort"})]}, id="semicolons",
        ),
        pytest.param(
            "name,username,cohort,email\n张三,zhangsan,一期\n".encode("utf-16"), {0: [("utf16", {})]}, id="utf16",
        ),
        pytest.param(
            (HEADER + "张三,zhangsan,一期,\n张珊,ZhangSan,一期,\n").encode(),
            {3: [("username_repeated", {"username": "zhangsan", "line": 2})]},
            id="duplicate-username",
        ),
        pytest.param(
            (HEADER + "张三,zhang san,一期,\n").encode(), {2: [("username_invalid", {"username": "zhang san"})]}, id="space",
        ),
        pytest.param(
            (HEADER + "张三,张三,一期,\n").encode(), {2: [("username_invalid", {"username": "张三"})]}, id="chinese-username",
        ),
        pytest.param((HEADER + "张三,z,一期,\n").encode(), {2: [("username_invalid", {"username": "z"})]}, id="one-letter"),
        pytest.param(
            (HEADER + "张三,_zs,一期,\n").encode(), {2: [("username_invalid", {"username": "_zs"})]}, id="leading-underscore",
        ),
        pytest.param((HEADER + "张三,,一期,\n").encode(), {2: [("username_invalid", {"username": ""})]}, id="no-username"),
        pytest.param(
            (HEADER + "张三,zhangsan,一期,zhangsan.example.com\n").encode(),
            {2: [("email_invalid", {"email": "zhangsan.example.com"})]},
            id="email-without-at",
        ),
        pytest.param(
            (HEADER + "张三,zhangsan,一期,zhangsan@\n").encode(),
            {2: [("email_invalid", {"email": "zhangsan@"})]},
            id="email-without-domain",
        ),
        pytest.param((HEADER + "张三,zhangsan\n").encode(), {2: [("cohort_invalid", {})]}, id="short-row"),
        pytest.param((HEADER + ",zhangsan,一期,\n").encode(), {2: [("name_invalid", {})]}, id="no-name"),
        pytest.param(
            (HEADER + f"{'长' * 101},zhangsan,一期,\n李四,lisi,{'期' * 101},\n").encode(),
            {2: [("name_invalid", {})], 3: [("cohort_invalid", {})]},
            id="too-long",
        ),
        pytest.param(
            (
                HEADER
                + "张三,zhangsan,一期,\n"
                + ",lisi,一期,\n"
                + "王五,w,一期,\n"
                + "赵六,zhaoliu,,zhaoliu@\n"
                + "孙七,ZhangSan,一期,\n"
                + "周八,zhouba,一期,\n"
            ).encode(),
            {
                3: [("name_invalid", {})],
                4: [("username_invalid", {"username": "w"})],
                5: [("cohort_invalid", {}), ("email_invalid", {"email": "zhaoliu@"})],
                6: [("username_repeated", {"username": "zhangsan", "line": 2})],
            },
            id="every-bad-row",
        ),
    ],
)
def test_invalid_roster_names_every_bad_row(data, expected):
    assert errors(data) == expected


@pytest.mark.parametrize(
    ("code", "params", "text"),
    [
        ("empty_file", {}, "the file is empty"),
        ("missing_columns", {"columns": "cohort"}, "missing column(s): cohort (header: name,username,cohort,email)"),
        ("username_repeated", {"username": "zhangsan", "line": 2}, "username: 'zhangsan' appears twice (also line 2)"),
        ("email_invalid", {"email": "zhangsan@"}, "email: 'zhangsan@' is not a valid address"),
    ],
)
def test_problem_prints_english_text(code, params, text):
    assert str(Problem(code, params)) == text


def test_every_problem_code_formats_with_its_params():
    params = {"columns": "cohort", "limit": 2000, "username": "zhangsan", "line": 2, "email": "x@"}
    for code in PROBLEMS:
        assert str(Problem(code, params))


def test_check_roster_returns_good_rows_beside_bad_ones():
    good, bad = check_roster((HEADER + "张三,ZhangSan,一期,\n李四,l,一期,\n").encode())
    assert [(row.line, row.username) for row in good] == [(2, "zhangsan")]
    assert list(bad) == [3]


def test_bad_row_after_multiline_cell_names_its_physical_line():
    data = 'name,username,cohort\n"张三\n（组长）",zhangsan,一期\n李四,l,一期\n'.encode()
    assert list(errors(data)) == [4]


def test_too_many_rows():
    people = "".join(f"学员{n},user{n},一期,\n" for n in range(MAX_ROWS + 1))
    assert errors((HEADER + people).encode()) == {MAX_ROWS + 2: [("too_many_rows", {"limit": MAX_ROWS})]}

"""Bad input gets a clear error and saves nothing: control characters and bytes that are not UTF-8
in forms, queries and paths (input_guard), uploads past MAX_CONTENT_LENGTH, cohort files in the
wrong encoding or too long, and imports whose entries are not all importable."""
import io
from html import unescape
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from trainer.models import ContentDraft, Lesson, User


@pytest.fixture
def admin(browser, make_user):
    make_user("root", roles=["admin"])
    browser.login("root")


@pytest.fixture
def tess(browser, make_user, synced):
    make_user("tess", roles=["trainer"])
    browser.login("tess")


def count(db, model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def page_of(response):
    return response.get_data(as_text=True)


def raw_post(browser, url, body):
    """A URL-encoded body sent byte for byte, with the page's CSRF token first."""
    with browser.app.app_context():
        return browser.client.post(url, data=b"csrf_token=" + browser.csrf_token().encode() + b"&" + body,
                                   content_type="application/x-www-form-urlencoded")


# --- control characters and encodings -------------------------------------------------------

@pytest.mark.parametrize("value", ["张\x00敏", "张\x01敏", "张\x1b敏", "\x0b"], ids=["nul", "soh", "esc", "vertical-tab"])
def test_a_control_character_in_a_form_is_refused_and_nothing_created(browser, admin, db, value):
    users = count(db, User)
    browser.post("/language", {"locale": "en"})
    response = browser.post("/admin/users/new", {"display_name": value, "username": "zhangmin", "cohort": value,
                                                 "roles": "trainee"})
    assert response.status_code == 400
    assert "Invisible control characters" in page_of(response) and "nothing was saved" in page_of(response)
    assert count(db, User) == users


@pytest.mark.parametrize("body", [b"display_name=%FF%FE", b"display_name=%ED%A0%80", b"display_name=%C3"],
                         ids=["not-utf8", "lone-surrogate", "truncated-sequence"])
def test_a_form_that_is_not_utf8_is_refused_and_nothing_created(browser, admin, db, body):
    users = count(db, User)
    browser.post("/language", {"locale": "en"})
    response = raw_post(browser, "/admin/users/new", body + b"&username=zhangmin&roles=trainee")
    assert response.status_code == 400 and "Text that is not UTF-8" in page_of(response)
    assert count(db, User) == users


@pytest.mark.parametrize("query", ["q=a%00b", "q=%FF", "q=%ED%A0%80", "q=%1B%5B31m"],
                         ids=["nul", "not-utf8", "lone-surrogate", "escape-sequence"])
def test_a_search_with_unstorable_text_is_refused_not_a_500(browser, admin, query):
    response = browser.get(f"/admin/users?{query}")
    assert response.status_code == 400


def test_tabs_and_line_breaks_are_ordinary_text(browser, admin):
    assert browser.get("/admin/users?q=" + quote("a\tb\r\nc")).status_code == 200


def test_a_nul_in_a_path_is_not_found(browser, make_user, synced):
    make_user("ann")
    browser.login("ann")
    assert browser.get("/study/lessons/greeting%00").status_code == 404


def test_a_nul_at_sign_in_is_refused_before_the_password_is_checked(browser, make_user):
    make_user("ann")
    response = browser.post("/login", {"username": "ann\x00", "password": "x\x00"})
    assert response.status_code == 400 and not browser.signed_in()


# --- the size limit ----------------------------------------------------------------------------

def test_an_upload_past_the_limit_gets_the_413_page_in_the_chosen_language(app, browser, admin, db):
    users = count(db, User)
    big = ("name,username,cohort\n" + "张三,zhangsan,一期\n" * 120_000).encode()
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    response = browser.post("/admin/cohorts/import", {"file": (io.BytesIO(big), "cohort.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 413
    assert "文件过大" in page_of(response) and "2 MB" in page_of(response)
    browser.post("/language", {"locale": "en"})
    response = browser.post("/admin/cohorts/import", {"file": (io.BytesIO(big), "cohort.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 413 and "larger than 2 MB" in page_of(response)
    assert count(db, User) == users


def test_a_yaml_import_past_the_limit_saves_no_draft(browser, tess, db):
    big = b"# comment\n" * (300 * 1024)
    response = browser.post("/author/glossary/import", {"file": (io.BytesIO(big), "glossary.yaml")},
                            content_type="multipart/form-data")
    assert response.status_code == 413 and count(db, ContentDraft) == 0


# --- cohort files ------------------------------------------------------------------------------

ROSTER = "name,username,cohort,email\n张敏,zhangmin,2026年12月批次,zm@example.com\n王小雨,wangxy,2026年12月批次,\n"


def upload_roster(browser, data):
    return page_of(browser.post("/admin/cohorts/import", {"file": (io.BytesIO(data), "cohort.csv")},
                                content_type="multipart/form-data"))


@pytest.mark.parametrize(("data", "message"), [
    (ROSTER.encode("utf-16"), "UTF-16"),
    (ROSTER.encode("utf-16-le"), "UTF-16"),
    ("name,username,cohort\nやまだ はなこ,yamada,東京一期\n".encode("shift_jis"), "Shift-JIS"),
    (ROSTER.replace("张敏", "张\x00敏").encode(), "既不是 UTF-8 也不是 GBK"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "既不是 UTF-8 也不是 GBK"),
], ids=["utf16-bom", "utf16-without-bom", "shift-jis", "nul-byte", "png"])
def test_a_cohort_file_in_the_wrong_encoding_is_named_and_nothing_imported(browser, admin, db, data, message):
    users = count(db, User)
    page = upload_roster(browser, data)
    assert "没有导入任何账号" in page and message in page
    assert count(db, User) == users


def test_a_cohort_file_under_the_size_limit_with_100k_rows_is_refused_clearly(app, browser, admin, db):
    rows = "name,username,cohort\n" + "".join(f"Li{n},u{n},c1\n" for n in range(100_000))
    assert len(rows.encode()) < app.config["MAX_CONTENT_LENGTH"]
    page = upload_roster(browser, rows.encode())
    assert "没有导入任何账号" in page and "超过 2000 行" in page
    assert count(db, User) == 1


# --- imports: every entry, or nothing ----------------------------------------------------------

TERM = """- id: new-term
  term: 新词
  lesson: greeting
  definition: 一个新词的定义。
  key_points:
    - label: 要点
      aliases: [要点]
"""


@pytest.mark.parametrize(("text", "message"), [
    (TERM + "- 不是词条\n", "<strong>[1]</strong>: each entry must be a mapping with an id"),
    ("[]\n", "the list is empty: nothing to import"),
    (TERM + TERM.replace("新词", "又一个"), "duplicate id 'new-term' (also line 1)"),
], ids=["a-text-among-terms", "empty-list", "same-id-twice"])
def test_a_term_list_with_one_bad_entry_imports_nothing(browser, tess, db, text, message):
    response = browser.post("/author/glossary/import", {"file": (io.BytesIO(text.encode()), "terms.yaml")},
                            content_type="multipart/form-data")
    assert response.status_code == 400 and message in unescape(page_of(response))
    assert count(db, ContentDraft) == 0


@pytest.mark.parametrize("text", ["scenario: 5\n", "scenario: [a, b]\n", "- scenario\n"], ids=["number", "list", "list-file"])
def test_a_file_that_is_no_scenario_is_refused_not_a_500(browser, tess, db, text):
    response = browser.post("/author/scenarios/import", {"file": (io.BytesIO(text.encode()), "s.yaml")},
                            content_type="multipart/form-data")
    assert response.status_code == 400 and "not a scenario file" in page_of(response)
    assert count(db, ContentDraft) == 0 and count(db, Lesson) == 3


# --- numbers past what the database holds ----------------------------------------------------

@pytest.mark.parametrize("url", ["/admin/users/99999999999999999999", f"/admin/users/{2**31}",
                                 "/study/roleplay/99999999999999999999", "/study/exam/99999999999999999999/0"])
def test_an_id_past_any_column_is_not_found_not_a_500(browser, admin, url):
    assert browser.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/admin/users?page=99999999999999999999", "/admin/users?page=-3",
                                 "/admin/users?page=zwei"])
def test_a_page_number_past_any_list_or_not_a_number_is_a_page(browser, admin, url):
    assert browser.get(url).status_code == 200


def test_the_audit_page_past_its_end_is_a_page(browser, tess):
    assert browser.get("/author/review/audit?page=99999999999999999999").status_code == 200


def test_an_import_of_more_entries_than_one_request_can_check_is_refused_at_once(browser, tess, db):
    from trainer.services.authoring import MAX_IMPORT_ENTRIES

    many = "".join(TERM.replace("new-term", f"term-{n}") for n in range(MAX_IMPORT_ENTRIES + 1))
    response = browser.post("/author/glossary/import", {"file": (io.BytesIO(many.encode()), "terms.yaml")},
                            content_type="multipart/form-data")
    assert f"{MAX_IMPORT_ENTRIES + 1} entries; at most {MAX_IMPORT_ENTRIES} in one import" in page_of(response)
    assert count(db, ContentDraft) == 0

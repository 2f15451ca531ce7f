"""Administrators: accounts, roles, passwords, deactivation, cohort import."""
import re

import pytest
from sqlalchemy import func, select

from trainer.models import Cohort, User


@pytest.fixture
def admin(browser, make_user):
    user = make_user("root", roles=["admin"], name="管理员")
    browser.login("root")
    return user


def _user(db, username):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def _temporary_passwords(page):
    return re.findall(r'<code class="secret">([a-z0-9]+)</code>', page)


def test_create_account_shows_a_temporary_password_that_works_once(browser, new_browser, admin, db):
    response = browser.post("/admin/users/new", {
        "display_name": "周杰", "username": "ZhouJie", "email": "", "cohort": "十二月批次", "roles": ["trainee", "trainer"],
    })
    assert response.status_code == 200
    [password] = _temporary_passwords(response.get_data(as_text=True))
    user = _user(db, "zhoujie")
    assert user.roles == {"trainee", "trainer"} and user.cohort.name == "十二月批次" and user.must_change_password
    person = new_browser()
    assert person.login("zhoujie", password).status_code == 302
    assert person.get("/study/").location.endswith("/account/password")


def test_duplicate_username_is_named_beside_the_field(browser, admin, make_user):
    make_user("taken")
    response = browser.post("/admin/users/new", {"display_name": "X", "username": "taken", "roles": ["trainee"]})
    assert "该用户名已被占用" in response.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"display_name": "", "username": "ok", "roles": ["trainee"]}, "该字段是必填字段"),
    ({"display_name": "X", "username": "no spaces", "roles": ["trainee"]}, "只能使用小写字母"),
    ({"display_name": "X", "username": "fine", "roles": []}, "请至少选择一个角色"),
    ({"display_name": "X", "username": "fine", "email": "not-an-email", "roles": ["trainee"]}, "无效的 Email 地址"),
])
def test_invalid_account_form_creates_nothing(browser, admin, db, data, message):
    response = browser.post("/admin/users/new", data)
    assert response.status_code == 200
    assert message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_roles_can_be_changed_but_an_admin_keeps_their_own(browser, admin, make_user, db):
    other = make_user("ann")
    browser.post(f"/admin/users/{other.id}", {"roles": ["manager"]})
    assert _user(db, "ann").roles == {"manager"}
    browser.post(f"/admin/users/{admin.id}", {"roles": ["trainee"]})
    assert "admin" in _user(db, "root").roles


def test_reset_password_ends_the_persons_sessions(browser, new_browser, admin, make_user):
    person = make_user("ann")
    theirs = new_browser()
    theirs.login("ann")
    response = browser.post(f"/admin/users/{person.id}/password")
    [password] = _temporary_passwords(response.get_data(as_text=True))
    assert theirs.get("/study/").status_code == 302
    assert new_browser().login("ann", password).status_code == 302


def test_deactivate_and_reactivate(browser, new_browser, admin, make_user, db):
    person = make_user("ann")
    theirs = new_browser()
    theirs.login("ann")
    browser.post(f"/admin/users/{person.id}/active", {"active": "0"})
    assert not _user(db, "ann").active
    assert theirs.get("/study/").status_code == 302
    browser.post(f"/admin/users/{person.id}/active", {"active": "1"})
    assert new_browser().login("ann").status_code == 302


def test_admin_cannot_deactivate_themselves(browser, admin, db):
    browser.post(f"/admin/users/{admin.id}/active", {"active": "0"})
    assert _user(db, "root").active


def test_user_list_searches_names_and_usernames(browser, admin, make_user):
    make_user("zhangmin", name="张敏")
    make_user("liuyang", name="刘洋")
    page = browser.get("/admin/users?q=张").get_data(as_text=True)
    assert "zhangmin" in page and "liuyang" not in page


ROSTER = "name,username,cohort,email\n王小雨,wangxy,2026年12月批次,\n张敏,zhangmin,2026年12月批次,zm@example.com\n"


def _upload(browser, data, filename="cohort.csv"):
    import io
    return browser.post("/admin/cohorts/import", {"file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")


@pytest.mark.parametrize("encoded", [ROSTER.encode("utf-8"), b"\xef\xbb\xbf" + ROSTER.encode("utf-8"), ROSTER.encode("gbk")],
                         ids=["utf8", "utf8-bom", "gbk"])
def test_cohort_import_creates_trainees_with_temporary_passwords(browser, admin, db, encoded):
    response = _upload(browser, encoded)
    page = response.get_data(as_text=True)
    assert len(_temporary_passwords(page)) == 2 and "王小雨" in page
    user = _user(db, "zhangmin")
    assert user.display_name == "张敏" and user.cohort.name == "2026年12月批次" and user.roles == {"trainee"}
    assert user.email == "zm@example.com"


def test_cohort_import_with_bad_rows_imports_nothing_and_names_each_row(browser, admin, make_user, db):
    make_user("taken")
    bad = ROSTER + ",nameless,2026年12月批次,\n李四,taken,2026年12月批次,\n王五,bad user,x,\n"
    page = _upload(browser, bad.encode("utf-8")).get_data(as_text=True)
    assert "没有导入任何账号" in page
    for line in ("第 4 行", "第 5 行", "第 6 行"):
        assert line in page
    assert _user(db, "wangxy") is None
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_cohort_import_refuses_a_file_that_is_not_text(browser, admin, db):
    page = _upload(browser, bytes(range(256)) * 4).get_data(as_text=True)
    assert "没有导入任何账号" in page


def test_cohort_import_refuses_other_file_types(browser, admin):
    page = _upload(browser, ROSTER.encode(), filename="cohort.xlsx").get_data(as_text=True)
    assert "请上传 .csv 文件" in page

"""Form fields at and past their limits. Every text field of every form has a maximum length no
longer than the column it is stored in (PostgreSQL enforces VARCHAR lengths, SQLite does not), or is
an editor field whose draft keeps what was typed and whose published text the content validator
limits. At the limit a value is stored exactly; one past, it is refused beside its field and nothing
is stored; whitespace alone is no answer."""
import importlib
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import FieldList, FormField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length

import trainer.web
from trainer.models import Cohort, RoleplayTurn, User
from trainer.models.users import User as UserModel
from trainer.web.admin.forms import CreateUserForm
from trainer.web.auth.forms import LoginForm
from trainer.web.study.forms import ReplyForm

#: Forms whose text becomes a draft's data (JSON, no length): what was typed is kept, and publishing
#: is refused beside the field when the content validator finds it too long.
EDITOR_MODULES = ("trainer.web.author.item_forms", "trainer.web.author.scenario_forms")
#: Text fields without a maximum that are not editor fields, each with why that is safe.
UNLIMITED = {
    ("ChangePasswordForm", "current"): "compared with the stored hash, never stored",
    ("ChangePasswordForm", "confirm"): "must equal `new`, which has a maximum",
    ("StartRunForm", "mode"): "one of two words (AnyOf)",
}
#: Where a limited field is stored: its maximum may not exceed the column's length.
COLUMNS = {
    (CreateUserForm, "display_name"): UserModel.__table__.c.display_name,
    (CreateUserForm, "username"): UserModel.__table__.c.username,
    (CreateUserForm, "email"): UserModel.__table__.c.email,
    (CreateUserForm, "cohort"): Cohort.__table__.c.name,
    (LoginForm, "username"): UserModel.__table__.c.username,
}


def _all_forms():
    for module in pkgutil.walk_packages(trainer.web.__path__, "trainer.web."):
        importlib.import_module(module.name)
    found, todo = set(), list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        found.add(form)
        todo.extend(form.__subclasses__())
    return sorted(found, key=lambda form: (form.__module__, form.__name__))


def _text_fields(form_class):
    """``(name, unbound field)`` of every text field, sub-forms and lists included."""
    for name, unbound in _unbound(form_class):
        kind = unbound.field_class
        if issubclass(kind, (FormField,)):
            yield from ((f"{name}-{sub}", field) for sub, field in _text_fields(unbound.args[0]))
        elif issubclass(kind, FieldList):
            inner = unbound.args[0]
            if issubclass(inner.field_class, FormField):
                yield from ((f"{name}-{sub}", field) for sub, field in _text_fields(inner.args[0]))
            elif issubclass(inner.field_class, (StringField, TextAreaField)):
                yield name, inner
        elif issubclass(kind, (StringField, TextAreaField, PasswordField)) and not issubclass(kind, HiddenField):
            yield name, unbound


def _unbound(form_class):
    seen = set()
    for klass in form_class.__mro__:
        for name, value in vars(klass).items():
            if hasattr(value, "field_class") and name not in seen:
                seen.add(name)
                yield name, value


def _max_length(unbound):
    lengths = [v.max for v in unbound.kwargs.get("validators", []) if isinstance(v, Length) and v.max >= 0]
    return min(lengths) if lengths else None


def test_every_text_field_has_a_maximum_or_a_reason():
    missing = [(form.__name__, name) for form in _all_forms() if form.__module__ not in EDITOR_MODULES
               for name, unbound in _text_fields(form) if _max_length(unbound) is None]
    assert sorted(set(missing)) == sorted(UNLIMITED)


@pytest.mark.parametrize(("form", "name"), COLUMNS, ids=[f"{f.__name__}.{n}" for f, n in COLUMNS])
def test_a_fields_maximum_fits_its_column(form, name):
    assert _max_length(getattr(form, name)) <= COLUMNS[form, name].type.length


# --- at and past the limit, through the pages --------------------------------------------------

@pytest.fixture
def admin(browser, make_user):
    make_user("root", roles=["admin"])
    browser.login("root")


def _users(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)))


def _error_beside(page, field_id):
    found = re.search(rf'<p class="error" id="{field_id}-err">([^<]*)</p>', page)
    return found.group(1) if found else None


LIMITS = [("display_name", 100, "张"), ("cohort", 100, "批"), ("username", 64, "a")]


@pytest.mark.parametrize(("name", "limit", "char"), LIMITS, ids=[n for n, *_ in LIMITS])
def test_an_account_field_at_its_limit_is_stored_exactly(browser, admin, db, name, limit, char):
    data = {"display_name": "张敏", "username": "zhangmin", "cohort": "一期", "roles": "trainee", name: char * limit}
    response = browser.post("/admin/users/new", data)
    assert response.status_code == 200 and "secret" in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == data["username"]))
    stored = {"display_name": user.display_name, "username": user.username, "cohort": user.cohort.name}[name]
    assert stored == char * limit


@pytest.mark.parametrize(("name", "limit", "char"), LIMITS, ids=[n for n, *_ in LIMITS])
def test_an_account_field_past_its_limit_is_refused_beside_it(browser, admin, db, name, limit, char):
    users = _users(db)
    data = {"display_name": "张敏", "username": "zhangmin", "cohort": "一期", "roles": "trainee", name: char * (limit + 1)}
    page = browser.post("/admin/users/new", data).get_data(as_text=True)
    assert str(limit) in (_error_beside(page, name) or "")
    assert char * (limit + 1) in page  # what was typed is still there to shorten
    assert _users(db) == users and db.session.scalar(select(func.count(Cohort.id))) == 0


@pytest.mark.parametrize("value", ["   ", "\u3000\u3000", "\n\t"], ids=["spaces", "ideographic-spaces", "tab-newline"])
def test_a_name_of_whitespace_alone_is_refused(browser, admin, db, value):
    page = browser.post("/admin/users/new", {"display_name": value, "username": "zhangmin", "roles": "trainee"}
                        ).get_data(as_text=True)
    assert _error_beside(page, "display_name") and _users(db) == 1


def test_a_short_answer_at_the_limit_is_taken_and_one_past_refused(app):
    from trainer.core.content import load_content
    from trainer.web.study.quiz_forms import MAX_ANSWER, answer_form

    item = next(i for i in load_content(app.config["CONTENT_DIR"], calibrate_items=False).items if i.kind == "short")
    results = {}
    for text in ("答" * MAX_ANSWER, "答" * (MAX_ANSWER + 1), " \u3000\n"):
        with app.test_request_context(method="POST", data={"text": text}):
            form = answer_form(item, 1, meta={"csrf": False})
            results[len(text)] = (form.validate(), form.text.errors)
    assert results[MAX_ANSWER] == (True, [])
    assert results[MAX_ANSWER + 1][0] is False and str(MAX_ANSWER) in results[MAX_ANSWER + 1][1][0]
    assert results[3][0] is False


# --- a chat reply ------------------------------------------------------------------------------

@pytest.fixture
def chat(browser, make_user, synced):
    make_user("ann")
    browser.login("ann")
    response = browser.post("/study/scenarios/test-wrong-item", {"mode": "practice"})
    return response.location


def _turns(db):
    db.session.expire_all()
    return list(db.session.scalars(select(RoleplayTurn.text).order_by(RoleplayTurn.id)))


def test_a_reply_at_the_limit_is_stored_whole(browser, chat, db):
    limit = ReplyForm.text.kwargs["validators"][0].max
    text = "您好，" + "很" * (limit - 3)
    browser.post(chat, {"seq": 1, "text": text})
    assert text in _turns(db)


@pytest.mark.parametrize("text", ["很" * 501, "   ", "\u3000"], ids=["one-past-the-limit", "spaces", "ideographic-space"])
def test_a_reply_past_the_limit_or_blank_is_refused_and_kept_in_the_box(browser, chat, db, text):
    before = _turns(db)
    response = browser.post(chat, {"seq": 1, "text": text})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400) and 'class="error"' in page
    if text.strip():
        assert text in page
    assert _turns(db) == before


def test_line_breaks_count_once_as_the_browser_counts_them(browser, chat, db):
    """A browser sends each line break of a textarea as CR LF, but its ``maxlength`` counted it as one
    character: a reply that fitted the box fits the form, and is stored with the line breaks typed."""
    limit = ReplyForm.text.kwargs["validators"][0].max
    typed = "您好，\n" + "很" * (limit - 7) + "\n谢谢"
    assert len(typed) == limit
    browser.post(chat, {"seq": 1, "text": typed.replace("\n", "\r\n")})
    assert typed in _turns(db)

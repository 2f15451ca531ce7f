"""WTForms' own messages follow the chosen language, from a catalogue read once per locale (not per request)."""
from babel import support
from flask import session
from flask_babel import refresh

from trainer.web import forms
from trainer.web.auth.forms import LoginForm


def _errors(app, locale):
    with app.test_request_context("/login", method="POST", data={}):
        session["locale"] = locale
        refresh()  # the locale is kept per application context, which the test's app fixture holds open
        form = LoginForm(meta={"csrf": False})
        form.validate()
        return form.errors["username"]


def test_wtforms_messages_are_in_the_chosen_language(app):
    assert _errors(app, "zh_Hans_CN") == ["该字段是必填字段。"]
    assert _errors(app, "en") == ["This field is required."]


def test_the_catalogue_is_read_once_per_locale(app, monkeypatch):
    forms._catalogue.cache_clear()
    loads = []
    real_load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load", lambda *a, **kw: loads.append(a) or real_load(*a, **kw))
    for _ in range(3):
        _errors(app, "zh_Hans_CN")
        _errors(app, "en")
    assert len(loads) == 2

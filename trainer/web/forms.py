"""The base of every form that posts: Flask-WTF's, with WTForms' own messages read once per locale.

Flask-WTF loads WTForms' message catalogue from disk again on every request that builds a form (every field's
label goes through it); the catalogue never changes while the process runs, so here it is kept per locale.
"""
from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def _catalogue(locale):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' built-in messages ("This field is required.", …) in the request's locale."""

    def gettext(self, string):
        return _catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular, plural, n):
        return _catalogue(str(get_locale())).ungettext(singular, plural, n)


_MESSAGES = _WTFormsMessages()


class TrainerForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _MESSAGES

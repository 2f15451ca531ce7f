"""The Chinese catalogue is complete and compiled; English is the msgid language."""
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from trainer.config import REPO_ROOT

CATALOGUE = REPO_ROOT / "trainer" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"


def test_every_message_is_translated_and_none_is_fuzzy():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path):
    from babel.messages.frontend import CommandLineInterface

    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "extract", "-F", str(REPO_ROOT / "trainer/translations/babel.cfg"),
                                "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), str(REPO_ROOT)])
    with open(pot, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(CATALOGUE / "messages.po", "rb") as handle:
        have = {m.id for m in read_po(handle) if m.id}
    assert len(wanted) > 100  # the extraction really found the templates and the code
    assert sorted(wanted - have) == []


def test_compiled_catalogue_matches_the_source():
    def plain(value):  # plural messages come back as lists from one reader and tuples from the other
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with open(CATALOGUE / "messages.po", "rb") as handle:
        source = {plain(m.id): plain(m.string) for m in read_po(handle) if m.id}
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source

"""The floors of ``trainer`` only import downwards; the core stays plain Python.

Imports are read with ``ast`` (nothing is imported), relative imports are resolved,
and imports inside functions or ``if TYPE_CHECKING:`` blocks count too.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent.parent / "trainer"


def module_name(path):
    """``trainer/core/content/manual.py`` → ``trainer.core.content.manual``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source, module, is_package=False):
    """Every module a source file imports, as ``(line, absolute dotted name)``."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from . import x`` may import the submodule ``x``: count both.
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
    return found


def violations(path, forbidden):
    """Imports in one file that match a forbidden prefix, as ``"line: module"``."""
    source = path.read_text(encoding="utf-8")
    imports = imported_modules(source, module_name(path), path.name == "__init__.py")
    return [f"{line}: {name}" for line, name in sorted(set(imports)) if forbidden(name)]


def _within(name, prefixes):
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def core_forbidden(name):
    """The core uses the standard library, pure libraries and itself; nothing of Flask or the upper floors."""
    top = name.split(".")[0]
    if top in {"flask", "sqlalchemy", "wtforms", "flask_sqlalchemy", "werkzeug", "jinja2"} or top.startswith("flask_"):
        return True
    return top == "trainer" and not _within(name, ["trainer.core"])


def models_forbidden(name):
    return _within(name, ["trainer.services", "trainer.web", "trainer.cli"])


def services_forbidden(name):
    return _within(name, ["trainer.web", "trainer.cli"])


def modules(floor):
    return sorted((PACKAGE / floor).rglob("*.py"))


def _ids(paths):
    return [str(path.relative_to(PACKAGE)) for path in paths]


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        pytest.param("import flask", "trainer.core.x", [(1, "flask")], id="import"),
        pytest.param("import sqlalchemy.orm as orm", "trainer.core.x", [(1, "sqlalchemy.orm")], id="dotted"),
        pytest.param(
            "from flask_login import current_user", "trainer.core.x",
            [(1, "flask_login"), (1, "flask_login.current_user")], id="from",
        ),
        pytest.param(
            "from ..models import User", "trainer.core.roster",
            [(1, "trainer.models"), (1, "trainer.models.User")], id="relative-up",
        ),
        pytest.param(
            "from ...models import User", "trainer.core.content.manual",
            [(1, "trainer.models"), (1, "trainer.models.User")], id="relative-up-two",
        ),
        pytest.param(
            "from ..errors import X", "trainer.core.content.manual",
            [(1, "trainer.core.errors"), (1, "trainer.core.errors.X")], id="relative-core",
        ),
        pytest.param(
            "from ... import web", "trainer.core.content.manual", [(1, "trainer"), (1, "trainer.web")], id="relative-bare",
        ),
        pytest.param(
            "from .errors import ContentError", "trainer.core.roster",
            [(1, "trainer.core.errors"), (1, "trainer.core.errors.ContentError")], id="relative-sibling",
        ),
        pytest.param("def f():\n    import wtforms", "trainer.core.x", [(2, "wtforms")], id="in-function"),
        pytest.param(
            "if TYPE_CHECKING:\n    from trainer.services import accounts", "trainer.models.users",
            [(2, "trainer.services"), (2, "trainer.services.accounts")], id="type-checking",
        ),
    ],
)
def test_imported_modules(source, module, expected):
    assert imported_modules(source, module) == expected


def test_relative_import_in_package_init():
    assert imported_modules("from .manual import Lesson", "trainer.core.content", is_package=True)[0] == (
        1, "trainer.core.content.manual",
    )


@pytest.mark.parametrize(
    ("rule", "name", "forbidden"),
    [
        (core_forbidden, "flask", True),
        (core_forbidden, "flask_babel", True),
        (core_forbidden, "sqlalchemy.orm", True),
        (core_forbidden, "wtforms.validators", True),
        (core_forbidden, "trainer.models.users", True),
        (core_forbidden, "trainer.services", True),
        (core_forbidden, "trainer.web.access", True),
        (core_forbidden, "trainer.extensions", True),
        (core_forbidden, "trainer", True),
        (core_forbidden, "trainer.core.errors", False),
        (core_forbidden, "markdown.extensions", False),
        (core_forbidden, "nh3", False),
        (core_forbidden, "pydantic", False),
        (core_forbidden, "flaskish", False),
        (models_forbidden, "trainer.services.accounts", True),
        (models_forbidden, "trainer.web", True),
        (models_forbidden, "trainer.core.errors", False),
        (models_forbidden, "trainer.extensions", False),
        (models_forbidden, "trainer.servicesx", False),
        (services_forbidden, "trainer.web.access", True),
        (services_forbidden, "trainer.models", False),
        (services_forbidden, "trainer.core.roster", False),
    ],
)
def test_rules(rule, name, forbidden):
    assert rule(name) is forbidden


def test_every_floor_has_modules():
    assert {"core/errors.py", "core/content/manual.py"} <= set(_ids(modules("core")))
    assert modules("models") and modules("services")


@pytest.mark.parametrize("path", modules("core"), ids=_ids(modules("core")))
def test_core_is_plain_python(path):
    assert violations(path, core_forbidden) == []


@pytest.mark.parametrize("path", modules("models"), ids=_ids(modules("models")))
def test_models_do_not_import_services_or_web(path):
    assert violations(path, models_forbidden) == []


@pytest.mark.parametrize("path", modules("services"), ids=_ids(modules("services")))
def test_services_do_not_import_web(path):
    assert violations(path, services_forbidden) == []

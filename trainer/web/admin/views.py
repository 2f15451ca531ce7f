from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ...core.errors import RosterInvalid
from ...extensions import db
from ...models import User
from ...services import accounts
from ..access import get_or_404
from ..auth.forms import EmptyForm
from ..input_guard import page_number
from . import bp
from .forms import ROSTER_MESSAGES, CreateUserForm, RolesForm, RosterForm


@bp.route("/users")
def users():
    """Every account, searchable, newest first."""
    query = request.args.get("q", "").strip()
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc())
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    page = db.paginate(stmt, page=page_number(), per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, query=query)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    """Create one account with a temporary password shown once."""
    form = CreateUserForm()
    if form.validate_on_submit():
        password = accounts.temporary_password()
        cohort = accounts.get_or_create_cohort(form.cohort.data.strip()) if form.cohort.data else None
        try:
            user = accounts.create_user(current_user, form.username.data, form.display_name.data, password,
                                        form.roles.data, email=form.email.data, cohort=cohort,
                                        must_change_password=True)
        except accounts.AccountError:
            db.session.rollback()
            form.username.errors.append(_("This username is already taken."))
        else:
            db.session.commit()
            return render_template("admin/credentials.html", created=[(user, password)])
    return render_template("admin/create_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id):
    """One account: roles, status, password."""
    person = get_or_404(User, user_id)
    form = RolesForm(roles=sorted(r.value for r in person.roles))
    if form.validate_on_submit():
        try:
            accounts.set_roles(current_user, person, form.roles.data)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Roles saved."), "success")
        return redirect(url_for("admin.user", user_id=person.id))
    return render_template("admin/user.html", person=person, form=form, action_form=EmptyForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id):
    """Deactivate (ending every session) or reactivate an account."""
    person = get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.set_active(current_user, person, request.form.get("active") == "1")
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Account updated."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id):
    """Give the person a new temporary password; their sessions end."""
    person = get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("admin.user", user_id=person.id))
    password = accounts.reset_password(current_user, person)
    db.session.commit()
    return render_template("admin/credentials.html", created=[(person, password)])


@bp.route("/cohorts/import", methods=["GET", "POST"])
def import_cohort():
    """Create a cohort's trainee accounts from a CSV file: every row valid, or nothing imported."""
    form, row_errors = RosterForm(), None
    if form.validate_on_submit():
        try:
            created = accounts.import_roster(current_user, form.file.data.read())
        except RosterInvalid as invalid:
            db.session.rollback()
            row_errors = [(line, [ROSTER_MESSAGES[p.code] % p.params for p in problems])
                          for line, problems in sorted(invalid.errors.items())]
        else:
            db.session.commit()
            return render_template("admin/credentials.html", created=created)
    return render_template("admin/import_cohort.html", form=form, row_errors=row_errors)

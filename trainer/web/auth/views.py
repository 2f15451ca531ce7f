from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...extensions import db, limiter
from ...services import accounts
from . import bp
from .forms import ChangePasswordForm, EmptyForm, LoginForm


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _username_key():
    return "login:" + request.form.get("username", "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("study.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()
            accounts.start_session(user)
            db.session.commit()
            login_user(user)
            return redirect(_safe_next() or url_for("study.home"))
        db.session.commit()
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form, demo=current_app.config["DEMO"])


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the session ends on the server, so a copied cookie stops working too."""
    if EmptyForm().validate_on_submit() and current_user.is_authenticated:
        accounts.end_session(current_user.session_token)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other browsers are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current.data, form.new.data)
        except accounts.AccountError:
            form.current.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("study.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language for this browser."""
    choice = request.form.get("locale")
    if EmptyForm().validate_on_submit() and choice in current_app.config["LANGUAGES"]:
        session["locale"] = choice
    return redirect(_safe_next() or url_for("study.home"))


def _safe_next():
    """Only local paths, so a crafted link cannot send someone elsewhere after sign-in.

    Control characters are refused outright: browsers drop a tab or newline inside a URL, so ``/<tab>/evil.example``
    would become ``//evil.example``, another site (and a newline cannot go into a header at all)."""
    target = request.args.get("next") or request.form.get("next") or ""
    if any(char < " " or char == "\x7f" for char in target) or "\\" in target:
        return None
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None

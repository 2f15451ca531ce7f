"""The ``trainer`` command: content, accounts and the demo."""
import json
import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command
from .core.content import load_content
from .core.errors import ContentInvalid
from .extensions import db


def _create_cli_app():
    from . import create_app

    return create_app({"CLI": True})


@click.group(cls=FlaskGroup, create_app=_create_cli_app, add_default_commands=False)
def main():
    """trainer: training and certification for e-commerce customer service."""


main.add_command(shell_command)
main.add_command(routes_command)


def register_commands(app):
    """Add the project's commands to ``app.cli`` (the ``trainer`` command finds them there)."""
    for command in (content, grade, scenario, user, demo, certificate, backup):
        app.cli.add_command(command)
    app.cli.add_command(certification)
    app.cli.add_command(reports)


@click.group()
def content():
    """Check, load and list the files under content/."""


def _load_or_report(calibrate_items=True):
    try:
        return load_content(current_app.config["CONTENT_DIR"], calibrate_items=calibrate_items)
    except ContentInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(invalid.errors)} problem(s) found; nothing was loaded.", err=True)
        sys.exit(1)


@content.command("check")
def content_check():
    """Validate every content file; print each problem; exit 1 on any."""
    bundle = _load_or_report()
    kinds = Counter(item.kind for item in bundle.items)
    click.echo(f"OK: {len(bundle.lessons)} lessons, {len(bundle.quizzes)} quizzes, {len(bundle.items)} items "
               f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items())) or 'none'}), "
               f"{len(bundle.terms)} glossary terms, exam: {bundle.exam.id if bundle.exam else 'none'}")
    if bundle.calibration and bundle.calibration.checks:
        c = bundle.calibration
        click.echo(f"calibration: {len(c.checks)} examples, quadratic weighted kappa {c.qwk:.3f}, "
                   f"mean absolute error {c.mae:.2f} points")
    if bundle.scenarios:
        click.echo(f"role-plays: {len(bundle.scenarios)} scenarios, {len(bundle.transcripts)} calibration transcripts, "
                   "each replayed to its expected verdict")


@content.command("sync")
def content_sync():
    """Load the content into the database: all or nothing, and a re-run changes nothing."""
    from .services.catalog import sync_content

    report = sync_content(_load_or_report())
    db.session.commit()
    click.echo(f"added {len(report.added)}, updated {len(report.updated)}, "
               f"retired {len(report.retired)}, unchanged {report.unchanged}, conflicts {len(report.conflicts)}")
    for key in report.conflicts:
        click.echo(f"  conflict: {key} was published in the browser and differs from its file; left as published "
                   "(export it from the browser into the file to resolve)", err=True)
    for label, keys in (("added", report.added), ("updated", report.updated), ("retired", report.retired)):
        for key in keys:
            click.echo(f"  {label}: {key}")


@content.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def content_list(as_json):
    """List every loaded item: id, kind, title, lesson."""
    from .services.catalog import listing

    items = listing()
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for item in items:
            click.echo(f"{item['kind']:<10} {item['id']:<32} {item['title']}")


@click.command()
@click.argument("item_id")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def grade(item_id, answers):
    """Grade answers (JSON lines with an "answer" field) against an item; print one result per line."""
    from .services.grading import GradingInputError, grade_lines

    bundle = _load_or_report(calibrate_items=False)
    try:
        for result in grade_lines(bundle, item_id, answers.read_bytes()):
            click.echo(json.dumps(result, ensure_ascii=False))
    except GradingInputError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def scenario():
    """Role-play scenarios."""


@scenario.command("replay")
@click.argument("scenario_id")
@click.argument("transcript", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(["practice", "assessment"]), default="assessment", show_default=True)
def scenario_replay(scenario_id, transcript, mode):
    """Play the agent's replies in TRANSCRIPT (one per line, optionally "[45s] …") and print the debrief as JSON."""
    from .services.roleplay import ReplayInputError, replay_file

    bundle = _load_or_report(calibrate_items=False)
    try:
        result = replay_file(bundle, scenario_id, transcript.read_bytes(), str(transcript), mode)
    except ReplayInputError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@click.group()
def user():
    """Manage accounts from the command line."""


@user.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", "roles", multiple=True, default=["trainee"], show_default=True,
              type=click.Choice(["trainee", "trainer", "manager", "admin"]), help="Repeat for several roles.")
@click.password_option()
def user_create(username, name, roles, password):
    """Create an account (e.g. the first administrator)."""
    from .services import accounts

    try:
        accounts.create_user("cli", username, name, password, roles)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {username} ({', '.join(roles)})")


@click.group()
def certificate():
    """Verify downloaded certificates; revoke issued ones."""


@certificate.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The platform's public key: its JWKS (/.well-known/jwks.json), a JWK or a PEM file. "
                   "Default: this installation's own key.")
def certificate_verify(file, key_file):
    """Verify a downloaded credential (.jwt or .json) offline; exit 1 unless it is valid."""
    from .core import credentials
    from .services import certificates

    try:
        token = credentials.read_token(file.read_text(encoding="utf-8"))
        keys = credentials.load_public_keys(key_file.read_bytes()) if key_file else certificates.existing_public_keys()
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(str(error)) from None
    if not keys:
        raise click.ClickException("this installation has no signing key yet; pass --key")
    result = credentials.verify_credential(token, keys)
    click.echo(f"{result.status}{': ' + result.detail if result.detail else ''}")
    if result.credential:
        _echo_credential(result.credential, result.kid)
    sys.exit(0 if result.ok else 1)


def _echo_credential(credential, kid):
    subject = credential["credentialSubject"]
    names = [i.get("identityHash") for i in subject.get("identifier", []) if i.get("identityType") == "name"]
    issuer = credential["issuer"]
    click.echo(f"  holder:      {', '.join(names) or subject.get('id')}")
    click.echo(f"  programme:   {subject['achievement']['name']}")
    click.echo(f"  issuer:      {issuer.get('name', '') if isinstance(issuer, dict) else ''} ({credential['iss']})")
    click.echo(f"  valid from:  {credential['validFrom']}")
    click.echo(f"  valid until: {credential.get('validUntil', '-')}")
    click.echo(f"  signed with: {kid}")
    click.echo(f"  revocation is not in the file: see {credential['id']}")


@certificate.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why; kept with the certificate, never shown publicly.")
def certificate_revoke(code, reason):
    """Revoke the certificate with verification code CODE."""
    from .services import certificates

    certification = certificates.find_by_code(code)
    if certification is None:
        raise click.ClickException(f"no certificate with code {code}")
    try:
        certificates.revoke("cli", certification, reason)
    except certificates.CertificateError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"revoked certificate {certification.id} ({certification.programme_key}) of user {certification.user_id}")


@click.group()
def certification():
    """Certification programmes: issue what trainees have earned."""


@certification.command("refresh")
def certification_refresh():
    """Issue every certificate earned and record re-tests, for all trainees (run it daily)."""
    from .services import certification as certifications

    written = certifications.refresh_all(timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    db.session.commit()
    click.echo(f"{len(written)} certificate(s) issued or re-tested")


@click.group()
def reports():
    """The managers' reports: their stored tables."""


@reports.command("rebuild")
def reports_rebuild():
    """Work out the stored certification statuses and skill marks afresh from every result (after an upgrade)."""
    from .services import report_tables

    trainees, marks = report_tables.rebuild(timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    db.session.commit()
    click.echo(f"statuses of {trainees} trainee(s) and {marks} skill mark row(s) written")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host, port):
    """Upgrade the database, load the content, create demo accounts and serve."""
    from flask_migrate import upgrade
    from waitress import serve

    from .services.catalog import sync_content
    from .services.demo import DEMO_PASSWORD, seed_demo

    current_app.config["DEMO"] = True
    upgrade()
    sync_content(_load_or_report())
    seed_demo()
    db.session.commit()
    db.session.remove()
    click.echo(f"trainer demo on http://{host}:{port}/  accounts: trainee, trainer, manager, admin "
               f"(password {DEMO_PASSWORD})")
    serve(current_app._get_current_object(), host=host, port=port, threads=8)


@click.group()
def backup():
    """Back up and restore the database and the content folder."""


@backup.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_create(directory):
    """Write the database, a tarball of the content folder and manifest.json into DIRECTORY (new or empty)."""
    from .services import backup as backups

    try:
        manifest = backups.create_backup(directory)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(n for table, n in manifest["rows"].items() if table != "alembic_version")
    click.echo(f"backed up {manifest['database']['dialect']} at migration {manifest['migration']['revision']} "
               f"({rows} rows in {len(manifest['rows'])} tables) and {manifest['content']['files']} content files "
               f"into {directory}")


@backup.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds rows and a content folder that differs.")
@click.option("--upgrade", is_flag=True, help="Accept a backup from an older migration, then upgrade it to head.")
def backup_restore(directory, force, upgrade):
    """Restore a backup made by "trainer backup create" (stop the web server first)."""
    from flask_migrate import upgrade as upgrade_schema

    from .services import backup as backups

    try:
        manifest, kept = backups.restore_backup(directory, force=force, upgrade=upgrade)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored the backup of {manifest['created_at']} (migration {manifest['migration']['revision']}); "
               "row counts match the manifest")
    if kept:
        click.echo(f"the previous content folder is kept at {kept}")
    if upgrade:
        upgrade_schema()
        click.echo("migrations run to head")

"""CLI commands: load the checklist catalogue, build the demo estate, list demo accounts."""
from __future__ import annotations

import os

import click
from flask import Flask
from sqlalchemy import select

from app.extensions import db


def register(app: Flask) -> None:
    @app.cli.group("catalogue")
    def catalogue():
        """The shipped checklist catalogue."""

    @catalogue.command("load")
    def catalogue_load():
        """Load the catalogue; templates whose items are unchanged get no new version."""
        from app.checklists.catalogue import load_catalogue

        result = load_catalogue()
        click.echo(f"catalogue: {len(result.created)} created, {len(result.new_versions)} new versions, "
                   f"{len(result.unchanged)} unchanged")

    @app.cli.command("demo")
    @click.option("--days", default=30, show_default=True, help="Days of patrol history to generate.")
    def demo(days: int):
        """Build the demo estate (示例花园) unless it exists, then list its accounts."""
        from app.demo.builder import build_demo

        site = build_demo(days=days)
        click.echo("demo estate built" if site else "demo estate already present: left as it is")
        _print_accounts()

    @app.cli.command("mark-missed")
    def mark_missed_command():
        """Record missed rounds at every site (run from cron every few minutes)."""
        from app.model_helpers import utcnow
        from app.patrols.missed import mark_missed
        from app.sites.models import Site

        now = utcnow()
        total = sum(mark_missed(site, now) for site in db.session.scalars(select(Site)))
        click.echo(f"missed rounds recorded: {total}")

    @app.cli.group("audit")
    def audit():
        """The tamper-evident audit trail."""

    @audit.command("seal")
    def audit_seal():
        """Seal events not yet in the hash chain (each request seals its own; this catches up)."""
        from app.audit.chain import seal_pending

        click.echo(f"sealed: {seal_pending()}")

    @audit.command("verify")
    def audit_verify():
        """Check the hash chain; exit 1 naming the first event that was edited, removed or moved."""
        from app.audit.chain import verify_chain

        report = verify_chain()
        if report.broken_seq is not None:
            click.echo(f"BROKEN at event #{report.broken_seq} ({report.reason}); {report.checked} events before it hold")
            raise SystemExit(1)
        click.echo(f"audit chain intact: {report.checked} events, {report.unsealed} not yet sealed")

    @app.cli.group("photos")
    def photos():
        """Stored photo files."""

    @photos.command("sweep")
    @click.option("--grace-minutes", default=60, show_default=True, type=click.IntRange(min=0),
                  help="Leave files touched more recently than this (an upload may be about to commit its row); "
                       "0 only while the app is stopped.")
    @click.option("--dry-run", is_flag=True, help="List what would be removed, remove nothing.")
    def photos_sweep(grace_minutes: int, dry_run: bool):
        """Remove photo files no photo row points to (left by a crash between writing a file and saving its row)."""
        from datetime import timedelta

        from app.photos.sweep import sweep_orphans

        report = sweep_orphans(timedelta(minutes=grace_minutes), dry_run=dry_run)
        for relative in report.removed:
            click.echo(f"{'would remove' if dry_run else 'removed'} {relative}")
        click.echo(f"photo files without a row {'found' if dry_run else 'removed'}: {len(report.removed)}; "
                   f"kept with their row: {report.kept}")

    @app.cli.command("backup")
    @click.option("--to", "parent", type=click.Path(file_okay=False), default=None,
                  help="Folder to write the backup folder into (default: the instance folder's backups/).")
    def backup(parent: str | None):
        """Write a consistent snapshot: the database, the uploaded photos and a manifest of SHA-256 checksums."""
        from app.backup import BackupError, make_backup

        try:
            result = make_backup(parent or os.path.join(app.instance_path, "backups"))
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        counts = result.manifest["counts"]
        click.echo(f"backup written: {result.folder}")
        click.echo(f"  {sum(counts.values())} rows in {len(counts)} tables, {result.manifest['uploads']['count']} files, "
                   f"{result.manifest['audit'].get('events', 0)} audit events")
        click.echo(f"  manifest.json sha256 {result.manifest_sha256} (keep it to check the backup later)")

    @app.cli.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    @click.option("--force", is_flag=True, help="Overwrite an instance that already holds data.")
    def restore(folder: str, force: bool):
        """Check a backup folder against its manifest and bring it back into this (empty) instance."""
        from app.backup import BackupError, restore_backup

        try:
            result = restore_backup(folder, force=force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        counts = result.manifest["counts"]
        click.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables and "
                   f"{result.manifest['uploads']['count']} files from {folder}")
        click.echo(f"audit chain intact: {result.chain.checked} events restored ({result.chain.unsealed} not sealed); "
                   "the restore itself is recorded after them")

    @app.cli.command("accounts")
    def accounts():
        """List the demo accounts and their passwords."""
        _print_accounts()


def _print_accounts() -> None:
    from app.auth.models import User
    from app.demo.estate import DEMO_PASSWORD, USERS

    present = set(db.session.scalars(select(User.username)))
    click.echo("Demo accounts (password for all: %s):" % DEMO_PASSWORD)
    for username, full_name, role, _team, what in USERS:
        if username in present:
            click.echo(f"  {username:<8} {full_name}  {role:<11} {what}")

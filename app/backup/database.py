"""The database half of a backup: a consistent copy (SQLite online backup API, pg_dump), its facts, and restoring it."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, Engine

from app.backup.errors import BackupError

SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"


def facts(conn: Connection) -> dict:
    """Rows per table, the schema revision and the audit chain's end, as this connection sees the database."""
    every = set(inspect(conn).get_table_names())
    tables = sorted(every - {"alembic_version"})
    quote = conn.dialect.identifier_preparer.quote
    counts = {table: conn.scalar(text(f"SELECT count(*) FROM {quote(table)}")) for table in tables}
    revision = conn.scalar(text("SELECT version_num FROM alembic_version")) if "alembic_version" in every else None
    audit = {}
    if "audit_events" in tables:
        sealed, last = conn.execute(text("SELECT count(seq), max(seq) FROM audit_events")).one()
        last_hash = conn.scalar(text("SELECT hash FROM audit_events WHERE seq = :seq"), {"seq": last}) if last else None
        audit = {"events": counts["audit_events"], "sealed": sealed, "last_hash": last_hash}
    return {"counts": counts, "schema_revision": revision, "audit": audit}


class SqliteDatabase:
    engine_name = "sqlite"
    file_name = SQLITE_FILE

    def __init__(self, engine: Engine):
        path = engine.url.database
        if not path or path == ":memory:":
            raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
        self.engine, self.path = engine, path

    def dump(self, target: Path) -> dict:
        """Copy the live database page by page with SQLite's online backup API (writers may go on meanwhile)."""
        with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as source, \
                closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
            checked = copy.execute("PRAGMA quick_check").fetchone()[0]
        if checked != "ok":
            raise BackupError(f"The copy of {self.path} fails SQLite's integrity check ({checked}): repair the database first.")
        return _facts_of_file(target)

    def restore(self, dump: Path, wipe: bool) -> None:
        """Write the snapshot over the instance's database, in one step (the backup API locks the target)."""
        del wipe  # the backup API replaces every page: nothing of the old database survives
        self.engine.dispose()
        with closing(sqlite3.connect(f"file:{dump}?mode=ro", uri=True)) as source, closing(sqlite3.connect(self.path)) as target:
            source.backup(target)


def _facts_of_file(path: Path) -> dict:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return facts(conn)
    finally:
        engine.dispose()


class PostgresDatabase:
    engine_name = "postgresql"
    file_name = PG_FILE

    def __init__(self, engine: Engine):
        self.engine = engine
        url: URL = engine.url
        self.env = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
        # libpq's own URL without the password, so it never shows in the process list
        self.dsn = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                              query=url.query).render_as_string()

    def _tool(self, name: str) -> str:
        path = shutil.which(name)
        if path is None:
            raise BackupError(f"{name} is not installed: install the PostgreSQL client of the server's major version "
                              f"(Debian: apt-get install postgresql-client-<version>).")
        return path

    def _run(self, args: list[str]) -> None:
        done = subprocess.run(args, env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"{Path(args[0]).name} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")

    def dump(self, target: Path) -> dict:
        """pg_dump in the snapshot of a transaction that counts the rows too: the facts match the dump exactly."""
        pg_dump = self._tool("pg_dump")
        with self._exported_snapshot() as (conn, snapshot):
            found = facts(conn)
            self._run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--no-password",
                       f"--snapshot={snapshot}", f"--file={target}", f"--dbname={self.dsn}"])
        return found

    @contextmanager
    def _exported_snapshot(self):
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            try:
                yield conn, snapshot
            finally:
                conn.rollback()

    def restore(self, dump: Path, wipe: bool) -> None:
        """pg_restore in one transaction; `wipe` first drops what the instance's schema holds (empty or --force)."""
        pg_restore = self._tool("pg_restore")
        if wipe:
            with self.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        self.engine.dispose()
        self._run([pg_restore, "--no-owner", "--no-privileges", "--no-password", "--single-transaction",
                   "--exit-on-error", f"--dbname={self.dsn}", str(dump)])


def database_for(engine: Engine) -> SqliteDatabase | PostgresDatabase:
    if engine.dialect.name == "sqlite":
        return SqliteDatabase(engine)
    if engine.dialect.name == "postgresql":
        return PostgresDatabase(engine)
    raise BackupError(f"Backups of {engine.dialect.name} databases are not supported (SQLite and PostgreSQL are).")

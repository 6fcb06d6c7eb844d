"""Backup rules without a database: paths that stay inside the backup, refusals that name what is wrong,
and PostgreSQL credentials kept out of the process list."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from app.backup.database import PostgresDatabase
from app.backup.errors import BackupError
from app.backup.manifest import safe_relative


@pytest.mark.parametrize("relative", ["1/ab/abcdef.jpg", "12/00/x.thumb.jpg", "note.txt"])
def test_paths_inside_the_backup_are_allowed(relative):
    assert safe_relative(relative)


@pytest.mark.parametrize("relative", ["", "/etc/passwd", "../outside.jpg", "1/../../x", "1\\..\\x", "C:/x.jpg",
                                      ".hidden", "1/.ab/x.jpg"])
def test_paths_leaving_the_backup_or_hidden_are_refused(relative):
    assert not safe_relative(relative)


def test_a_refusal_lists_its_first_ten_problems_and_counts_the_rest():
    text = str(BackupError("Refused.", [f"file {n}" for n in range(13)]))
    assert text.splitlines()[0] == "Refused." and "  - file 9" in text and "file 10" not in text
    assert text.endswith("… and 3 more")


def test_the_postgres_password_goes_in_the_environment_not_the_command_line():
    database = PostgresDatabase(create_engine("postgresql+psycopg://patrol:s3cret@db.internal:5432/patrol"))
    assert "s3cret" not in database.dsn and database.dsn.startswith("postgresql://patrol@db.internal:5432/patrol")
    assert database.env["PGPASSWORD"] == "s3cret"


def test_a_missing_pg_dump_is_a_clear_refusal(monkeypatch):
    monkeypatch.setattr("app.backup.database.shutil.which", lambda _name: None)
    database = PostgresDatabase(create_engine("postgresql+psycopg://patrol@db.internal/patrol"))
    with pytest.raises(BackupError, match="pg_dump is not installed: install the PostgreSQL client"):
        database._tool("pg_dump")

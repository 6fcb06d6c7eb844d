"""`flask photos sweep`: files a crash left without their row go, files of photos stay, even one being taken up."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.photos import sweep
from app.photos.models import Photo
from tests.integration.sync_phone import jpeg, phone, world  # noqa: F401
from tests.reliability.storage_helpers import failed_answer, files_in, photo_item, uploads  # noqa: F401

HOURS_AGO = time.time() - 2 * 3600


def stored_photo(app, phone, color=(10, 20, 30)) -> tuple[str, str]:
    """A photo sent from the phone: its display and thumbnail paths."""
    assert phone.photo(failed_answer(phone), jpeg(color)).status_code == 201
    with app.app_context():
        return tuple(db.session.execute(select(Photo.path, Photo.thumb_path).order_by(Photo.id.desc()).limit(1)).one())


def leftover(uploads, relative: str, mtime: float = HOURS_AGO) -> str:
    path = uploads / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 a photo whose row was never committed")
    os.utime(path, (mtime, mtime))
    return relative


def age(uploads, *relatives: str) -> None:
    for relative in relatives:
        os.utime(uploads / relative, (HOURS_AGO, HOURS_AGO))


def sweep_command(app, *args: str):
    result = app.test_cli_runner().invoke(args=["photos", "sweep", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_old_files_without_a_row_go_and_everything_else_stays(app, phone, world, uploads):
    kept = stored_photo(app, phone)
    age(uploads, *kept)
    site = world.site_id
    orphans = {leftover(uploads, f"{site}/ab/{'a' * 64}.jpg"), leftover(uploads, f"{site}/ab/{'a' * 64}.thumb.jpg"),
               leftover(uploads, f"{site}/cd/.{'c' * 64}.jpg.0123abcd.part")}  # a write killed half-way
    young = leftover(uploads, f"{site}/ef/{'e' * 64}.jpg", mtime=time.time())  # its row may be about to commit
    output = sweep_command(app, "--dry-run")
    assert "photo files without a row found: 3; kept with their row: 2" in output
    assert files_in(uploads) == orphans | set(kept) | {young}  # a dry run removes nothing
    output = sweep_command(app)
    assert "photo files without a row removed: 3; kept with their row: 2" in output
    assert files_in(uploads) == set(kept) | {young}
    sweep_command(app, "--grace-minutes", "0")
    assert files_in(uploads) == set(kept)


def test_a_photo_file_parked_by_a_sweep_that_died_is_put_back(app, phone, uploads):
    path, thumb = stored_photo(app, phone)
    folder, name = os.path.split(path)
    os.replace(uploads / path, uploads / folder / f".{name}.sweep")  # the sweep was killed while checking it
    age(uploads, f"{folder}/.{name}.sweep", thumb)
    sweep_command(app, "--grace-minutes", "0")
    assert files_in(uploads) == {path, thumb}


def test_a_file_whose_row_commits_during_the_sweep_stays(app, phone, uploads, monkeypatch):
    kept = stored_photo(app, phone)
    age(uploads, *kept)
    monkeypatch.setattr(sweep, "_referenced", lambda _site_id: set())  # the row committed after the sweep looked
    with app.app_context():
        report = sweep.sweep_orphans(timedelta(0))
    assert report.removed == [] and files_in(uploads) == set(kept)


def test_an_upload_reusing_stored_files_takes_them_up_so_the_sweep_leaves_them(app, phone, uploads, monkeypatch):
    monkeypatch.setattr("app.patrols.walk_forms.utcnow", lambda: datetime(2026, 5, 9, 8, 30))  # one stamp for both
    first = stored_photo(app, phone)
    age(uploads, *first)
    visit_uuid = next(uuid for uuid, (what, _body) in phone.sent.items() if what == "visits")
    second_item = [i for i in phone.stop(0)["items"] if i["photo_on_fail"]][1]
    assert second_item != photo_item(phone)
    again = phone.photo(failed_answer(phone, visit_uuid, second_item), jpeg((10, 20, 30)))  # the same picture
    assert again.status_code == 201
    with app.app_context():
        assert {tuple(row) for row in db.session.execute(select(Photo.path, Photo.thumb_path))} == {first}
    assert all(os.stat(uploads / relative).st_mtime > HOURS_AGO + 3600 for relative in first)

"""Checkpoint QR labels: the payload, the PNG and SVG of one label, A4 sheets of a building's labels."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from PIL import Image

from app.extensions import db
from app.sites.label_sheet import labels_pdf
from app.sites.labels import LABEL_PX, qr_matrix, qr_payload
from app.sites.models import Checkpoint, Site
from app.sites.services import active_checkpoints_for_labels
from tests.factories import make_building, make_checkpoint, make_site

SVG = "{http://www.w3.org/2000/svg}"
PAGE = re.compile(rb"/Type\s*/Page\b")


def _building_with(app, site_id: int, active: int, retired: int = 0, code: str = "B1") -> dict:
    with app.app_context():
        site = db.session.get(Site, site_id)
        building = make_building(site, code)
        codes = []
        for n in range(active + retired):
            checkpoint = make_checkpoint(site, code=f"{code}-P{n:02d}", building=building)
            checkpoint.floor = n % 6 + 1
            checkpoint.active = n < active
            codes.append(checkpoint.code)
        db.session.commit()
        return {"building": building.id, "active": codes[:active], "retired": codes[active:]}


def _one_checkpoint(app, site_id: int, **fields) -> int:
    with app.app_context():
        site = db.session.get(Site, site_id)
        checkpoint = make_checkpoint(site, code="B1-ROOF", building=make_building(site, "B1"))
        for name, value in fields.items():
            setattr(checkpoint, name, value)
        db.session.commit()
        return checkpoint.id


def _dark(pixel) -> bool:
    return pixel == (0, 0, 0)


def _modules_in_png(image: Image.Image, count: int) -> list[list[bool]]:
    """Read the QR modules back from the PNG: only the code is pure black above the name line."""
    width, height = image.size
    top, left = next((y, x) for y in range(height) for x in range(width) if _dark(image.getpixel((x, y))))
    box = next(n for n in range(1, width) if not _dark(image.getpixel((left + n, top)))) // 7  # finder pattern: 7 modules
    inner = count - 8  # the matrix carries a quiet zone of 4 modules each side
    return [[_dark(image.getpixel((left + x * box + box // 2, top + y * box + box // 2))) for x in range(inner)]
            for y in range(inner)]


def test_qr_payload_is_base_url_slash_c_slash_token(app, ctx, monkeypatch):
    checkpoint = make_checkpoint(make_site())
    monkeypatch.setitem(app.config, "BASE_URL", "https://patrol.example.cn/")
    assert qr_payload(checkpoint) == "https://patrol.example.cn/c/" + checkpoint.token
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    assert qr_payload(checkpoint) == "http://127.0.0.1:5000/c/" + checkpoint.token


def test_png_label_holds_the_qr_of_the_payload(app, client, login_as):
    who = login_as("admin")
    checkpoint_id = _one_checkpoint(app, who["site_id"], floor=3)
    response = client.get(f"/admin/estate/checkpoints/{checkpoint_id}/label.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == 'attachment; filename="label-B1-ROOF.png"'
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG" and image.size == LABEL_PX == (591, 827)
    assert round(image.info["dpi"][0]) == 300
    with app.app_context():
        matrix = qr_matrix(qr_payload(db.session.get(Checkpoint, checkpoint_id)))
    expected = [row[4:-4] for row in matrix[4:-4]]
    assert _modules_in_png(image.convert("RGB"), len(matrix)) == expected


def test_rotation_changes_the_printed_code(app, client, login_as):
    from app.sites.services import rotate_token

    who = login_as("admin")
    checkpoint_id = _one_checkpoint(app, who["site_id"])
    before = client.get(f"/admin/estate/checkpoints/{checkpoint_id}/label.png").data
    with app.app_context():
        rotate_token(db.session.get(Checkpoint, checkpoint_id))
    after = client.get(f"/admin/estate/checkpoints/{checkpoint_id}/label.png")
    assert after.data != before and "no-store" in after.headers["Cache-Control"]


def test_svg_label_is_well_formed_and_escapes_text(app, client, login_as):
    who = login_as("admin")
    name = '天台 <门> & "锁"'
    checkpoint_id = _one_checkpoint(app, who["site_id"], name_zh=name, floor=-1)
    with app.app_context():
        db.session.get(Checkpoint, checkpoint_id).building.floors_below = 2
        db.session.commit()
    response = client.get(f"/admin/estate/checkpoints/{checkpoint_id}/label.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="label-B1-ROOF.svg"'
    root = ET.fromstring(response.data)
    assert root.tag == SVG + "svg" and root.get("width") == "50mm"
    texts = [element.text for element in root.iter(SVG + "text")]
    assert name in texts and "B1-ROOF" in texts and "手动输入编码" in texts and "B1栋 · 地下 1 层" in texts
    assert all("WenQuanYi Micro Hei" in element.get("font-family") for element in root.iter(SVG + "text")
               if element.text != "B1-ROOF")
    dark = set()
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)", next(root.iter(SVG + "path")).get("d")):
        dark.update((int(x) + n, int(y)) for n in range(int(run)))
    with app.app_context():
        matrix = qr_matrix(qr_payload(db.session.get(Checkpoint, checkpoint_id)))
    assert dark == {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}


def test_building_sheet_has_twelve_active_labels_a_page(app, client, login_as):
    who = login_as("admin")
    thirteen = _building_with(app, who["site_id"], active=13, retired=1)
    twelve = _building_with(app, who["site_id"], active=12, retired=1, code="B2")
    response = client.get(f"/admin/estate/buildings/{thirteen['building']}/labels.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and len(PAGE.findall(response.data)) == 2
    assert response.headers["Content-Disposition"] == 'attachment; filename="labels-B1.pdf"'
    response = client.get(f"/admin/estate/buildings/{twelve['building']}/labels.pdf")
    assert len(PAGE.findall(response.data)) == 1  # the retired one is not printed


def test_sheet_text_layer_names_each_active_checkpoint(app, ctx):
    site = make_site()
    building = make_building(site)
    codes = [make_checkpoint(site, code=f"B1-S{n:02d}", building=building).code for n in range(13)]
    retired = make_checkpoint(site, code="B1-OLD", building=building)
    retired.active = False
    outdoor = make_checkpoint(site, code="OUT-GATE", category="road")
    db.session.commit()
    checkpoints = active_checkpoints_for_labels(site.id, building.id)
    assert [c.code for c in checkpoints] == codes
    pdf = labels_pdf(checkpoints, "测试 labels", lambda page, pages: f"{page}/{pages}", compress=False)
    assert pdf.startswith(b"%PDF") and len(PAGE.findall(pdf)) == 2
    for code in codes:
        assert f"({code}) Tj".encode() in pdf, code
    assert b"B1-OLD" not in pdf and b"OUT-GATE" not in pdf
    assert [c.code for c in active_checkpoints_for_labels(site.id, None)] == [outdoor.code]


def test_outdoor_sheet_and_an_empty_sheet(app, client, login_as):
    who = login_as("admin")
    with app.app_context():
        make_checkpoint(db.session.get(Site, who["site_id"]), code="OUT-GATE", category="road")
        db.session.commit()
    response = client.get("/admin/estate/labels-outdoor.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF") and len(PAGE.findall(response.data)) == 1
    empty = _building_with(app, who["site_id"], active=0, retired=2)
    response = client.get(f"/admin/estate/buildings/{empty['building']}/labels.pdf")
    assert response.status_code == 303 and "building_id=" in response.headers["Location"]


def test_label_downloads_are_not_for_field_staff(app, client, login_as):
    who = login_as("patroller")
    checkpoint_id = _one_checkpoint(app, who["site_id"])
    for path in (f"/admin/estate/checkpoints/{checkpoint_id}/label.png", f"/admin/estate/checkpoints/{checkpoint_id}/label.svg",
                 "/admin/estate/labels-outdoor.pdf"):
        assert client.get(path).status_code == 403, path

"""Checkpoint label tokens: long, random, unique, rotatable."""
from __future__ import annotations

import base64

from app.audit.models import AuditEvent
from app.extensions import db
from app.sites.services import lookup_token, rotate_token
from tests.factories import make_checkpoint, make_site


def test_tokens_carry_at_least_128_random_bits(ctx):
    site = make_site()
    tokens = {make_checkpoint(site).token for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128


def test_rotation_replaces_the_old_label(ctx):
    checkpoint = make_checkpoint(make_site())
    db.session.commit()
    old = checkpoint.token
    new = rotate_token(checkpoint)
    assert new != old
    assert lookup_token(new).checkpoint.id == checkpoint.id
    replaced = lookup_token(old)
    assert replaced.replaced and replaced.checkpoint.id == checkpoint.id
    assert db.session.query(AuditEvent).filter_by(action="checkpoint_token_rotated", object_id=checkpoint.id).count() == 1


def test_unknown_or_absurd_tokens_find_nothing(ctx):
    assert lookup_token("not-a-token") == lookup_token("x" * 500)
    assert lookup_token("not-a-token").checkpoint is None and not lookup_token("not-a-token").replaced

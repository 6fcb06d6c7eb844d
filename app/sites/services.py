"""Checkpoint rules: rotating a label's token so old labels stop working, resolving scanned tokens."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.audit.services import record
from app.extensions import db
from app.sites.models import Checkpoint, RetiredToken


@dataclass(frozen=True)
class TokenLookup:
    """What a scanned token points at: a live checkpoint, a replaced label, or nothing."""

    checkpoint: Checkpoint | None
    replaced: bool


def rotate_token(checkpoint: Checkpoint, actor=None) -> str:
    """Give the checkpoint a new token; the old one is remembered as replaced. Commits."""
    db.session.add(RetiredToken(token=checkpoint.token, checkpoint_id=checkpoint.id))
    new = checkpoint.rotate_token()
    record("checkpoint_token_rotated", checkpoint, actor=actor, code=checkpoint.code)
    db.session.commit()
    return new


def lookup_token(token: str) -> TokenLookup:
    if not token or len(token) > 64:
        return TokenLookup(None, False)
    checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.token == token))
    if checkpoint is not None:
        return TokenLookup(checkpoint, False)
    retired = db.session.get(RetiredToken, token)
    return TokenLookup(db.session.get(Checkpoint, retired.checkpoint_id) if retired else None, retired is not None)

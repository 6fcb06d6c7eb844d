"""Moments of a patrol log other packages act on, without patrols importing them (renovation notices, upkeep)."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
# Sent by submit_log inside its transaction, after the findings exist: (log, findings=[...], user=..., now=...).
log_submitted = _signals.signal("patrol-log-submitted")

"""Records and exports: the monthly archive (PDF, XLSX), one log as PDF, answers as streamed CSV."""
from flask import Blueprint

bp = Blueprint("exports", __name__)

from app.exports import routes  # noqa: E402,F401  (registers the views on bp)

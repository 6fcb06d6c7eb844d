"""Reading API request bodies: JSON nested too deeply for the parser is a clear 400, not a crash."""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from webargs.flaskparser import FlaskParser


class JsonBodyParser(FlaskParser):
    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:  # Python's JSON decoder gives up on arrays or objects nested about 1000 deep
            abort(400, _("The JSON body is nested too deeply to be read: send the record as documented."))

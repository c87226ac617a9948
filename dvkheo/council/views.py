"""The council's pages: membership, award forms' voting rules, ballots and minutes."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("council", __name__)

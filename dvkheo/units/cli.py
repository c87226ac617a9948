from __future__ import annotations

import click
from flask.cli import AppGroup

units_cli = AppGroup("units", help="Quản lý cây đơn vị.")

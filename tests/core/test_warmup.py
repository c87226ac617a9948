"""A worker warmed up at start serves its first pages without compiling templates or importing WeasyPrint."""
from __future__ import annotations

import sys

from config import TestingConfig
from dvkheo import create_app
from dvkheo.core.warmup import warm_up
from dvkheo.extensions import db, limiter


def test_a_warmed_worker_has_every_template_compiled_and_the_heavy_modules_loaded(app, tmp_path):
    fresh = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       UPLOAD_DIR=str(tmp_path))
    try:
        assert len(fresh.jinja_env.cache) == 0
        seconds = warm_up(fresh)
        compiled = len(fresh.jinja_env.cache)
        templates = fresh.jinja_env.list_templates(extensions=("html",))
        assert compiled == len(templates) > 80  # all of them, and the cache is large enough to keep them all
        assert compiled <= fresh.jinja_env.cache.capacity
        assert {"weasyprint", "openpyxl", "docx", "pypdf"} <= set(sys.modules)
        assert seconds < 120

        # The first visits compile nothing more: the cache neither grows nor evicts.
        with fresh.app_context():
            client = fresh.test_client()
            for path in ("/", "/login", "/binh-chon/", "/verify/khong-co"):
                assert client.get(path).status_code in (200, 404)
        assert len(fresh.jinja_env.cache) == compiled
    finally:
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.init_app(app)

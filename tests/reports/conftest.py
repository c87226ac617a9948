import pytest


@pytest.fixture(autouse=True)
def _fresh_figure_cache(app):
    """The session's app keeps its figure cache between tests, whose ids repeat: start each test empty."""
    app.extensions.pop("dvkheo_figure_cache", None)
    yield
    app.extensions.pop("dvkheo_figure_cache", None)

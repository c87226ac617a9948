"""WSGI entry point: `gunicorn wsgi:app` (set DVKHEO_ENV=production and a real SECRET_KEY)."""
from dvkheo import create_app

app = create_app()

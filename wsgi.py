"""WSGI entry point: `gunicorn wsgi:app` (in production set DVKHEO_ENV=production, SECRET_KEY, VOTER_ID_HASH_KEY
and an https PUBLIC_BASE_URL; the app refuses to start without them)."""
from dvkheo import create_app

app = create_app()

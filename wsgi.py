"""The WSGI entry point: gunicorn 'wsgi:app', and `flask` finds it from the project root."""

from registry import create_app

app = create_app()

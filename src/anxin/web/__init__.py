"""Web entry points: the REST API and the staff pages (FastAPI, Jinja2, htmx)."""

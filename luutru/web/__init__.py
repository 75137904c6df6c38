"""`luutru serve`: the web UI (Jinja2 pages, Vietnamese first) and the JSON API (FastAPI,
OpenAPI at /openapi.json and /docs) over one archive directory. Read-only unless an
operator token is configured (`[server] operator_token` in luutru.toml)."""

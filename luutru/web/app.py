"""The FastAPI application: settings, security headers, error mapping, /docs.

FastAPI because it derives the OpenAPI description (/openapi.json, /docs) from the typed
routes and response models in api.py; the pages (pages.py, operators.py …) are
server-rendered Jinja2 with autoescape and no JavaScript at all.

Security model: archived pages carry third-party scripts. They are only ever served by
``/captures/…`` under a CSP with ``sandbox`` (scripts cannot run even on direct
navigation) and shown inside ``<iframe sandbox>``; every other response of ours carries
``default-src 'self'`` with no inline script, and all archived text reaches HTML through
Jinja autoescape.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.store import Archive
from luutru.web import api, attachments, feeds, memento, operators, pages
from luutru.web import changes as changes_views
from luutru.web import diffs as diff_views
from luutru.web import facets as _facets  # noqa: F401  (registers the facet_view template global)
from luutru.web.cache import WebCache
from luutru.web.cached_archive import CachedArchive
from luutru.web.pages import render_error
from luutru.web.response_cache import ResponseCache
from luutru.web.service import BadRequest, NotFound, SearchUnavailable
from luutru.web.settings import PAGE_CSP, WebSettings

STATIC_DIR = Path(__file__).parent / "static"
DOCS_ASSETS = "/docs-assets"  # Swagger UI's script and style, served by us (no CDN)


def swagger_ui_dir() -> Path:
    """Swagger UI's files as the fastapi-offline package ships them: an archive may run on
    a closed network, where FastAPI's default /docs (scripts from a CDN) stays blank."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return render_error(request, status, message)


def _docs_response() -> HTMLResponse:
    """Swagger UI with its one inline script allowed by hash, not by 'unsafe-inline'."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="luutru API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
    )
    html = bytes(page.body).decode()
    hashes = []
    for script in re.findall(r"<script>(.*?)</script>", html, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    csp = (
        "default-src 'self'; script-src 'self' " + " ".join(hashes) + "; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


_DEFAULT_HEADERS = (
    (b"content-security-policy", PAGE_CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
)


class SecurityHeaders:
    """Our default headers on every HTTP response; routes that set their own policy
    (captures, /docs) keep it. Plain ASGI rather than ``@app.middleware``, whose
    BaseHTTPMiddleware costs every request a task and a stream."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _DEFAULT_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: WebSettings, archive: Archive | None = None, *, close_archive: bool = False
) -> FastAPI:
    """The app over ``settings.data``; ``archive`` lets a caller share an open one (closed
    with the app only when ``close_archive``)."""
    own_archive = archive is None or close_archive
    store = archive if archive is not None else Archive.open(settings.data, url=settings.db)
    cache = WebCache(store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.threads:
            # Route functions run in this pool; as many threads as reader connections, so
            # a thread never waits for a connection (luutru/web/server.py).
            to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield
        cache.close()
        if own_archive:
            store.close()

    app = FastAPI(
        title="luutru",
        summary="Versioned archive of Vietnamese government news portals",
        version="0.1.0",
        docs_url=None,  # our own /docs below, with a CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.archive = CachedArchive(store, cache)
    app.state.cache = cache

    app.add_middleware(SecurityHeaders)
    # Added last, so outermost: a kept response carries the headers added inside it.
    app.add_middleware(ResponseCache, cache=cache)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, str(exc.args[0]) if exc.args else "not found")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(SearchUnavailable)
    async def unavailable(request: Request, exc: SearchUnavailable) -> Response:
        return _error(request, 503, f"search is not available: {exc}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = _error(request, exc.status_code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
            for e in exc.errors()
        )
        return _error(request, 400, problems or "invalid request")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return _docs_response()

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_dir()), name="docs-assets")
    app.include_router(api.router)
    app.include_router(memento.router)
    app.include_router(feeds.router)
    app.include_router(changes_views.api_router)
    app.include_router(changes_views.router)
    app.include_router(diff_views.router)
    app.include_router(operators.router)
    app.include_router(pages.router)
    app.include_router(pages.operator_router)
    app.include_router(attachments.router)
    return app

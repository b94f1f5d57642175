"""The FastAPI app for /v1: routes by concern, OpenAI-shaped errors, body limits, keys.

``create_app(bot, require_key)`` is the API alone (tests and embedding); ``server.serve``
mounts the Gradio web app beside it and runs both in one uvicorn server.
"""

from __future__ import annotations

import threading

import anyio
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from assistant.api import Assistant
from assistant.http import ask, briefs, chat, errors, health, library
from assistant.http.auth import KeyRing, RateLimiter
from assistant.http.errors import ApiError
from assistant.http.health import VERSION

DESCRIPTION = """\
Answers and briefs from your own library of news articles, every sentence verified against
the passage it cites.

* `POST /v1/chat/completions` speaks OpenAI's chat API (model `news-assistant`); the answer
  carries its `citations`, `short_answer`, `mode` and `abstained` as extra fields. With
  `stream: true`, only verified sentences are streamed.
* `POST /v1/ask` and `POST /v1/briefs` return exactly what `assistant ask --json` and
  `assistant brief --json` print.
* `/v1/documents` and `/v1/reindex` manage the library.

Send an API key as `Authorization: Bearer KEY` (make one with `assistant keys add NAME`).
Keys are required whenever the server listens beyond loopback. Errors use OpenAI's shape:
`{"error": {"message", "type", "code", "param"}}`.
"""


def create_app(bot: Assistant, require_key: bool = False) -> FastAPI:
    settings = bot.settings
    app = FastAPI(title="News assistant API", version=VERSION, description=DESCRIPTION,
                  openapi_url="/v1/openapi.json", docs_url=None, redoc_url=None)  # no CDN scripts: offline
    app.state.bot = bot
    app.state.settings = settings
    app.state.require_key = require_key
    app.state.keys = KeyRing(settings)
    app.state.rate = RateLimiter(settings.api.rate_per_minute, settings.api.burst)
    app.state.answer_limiter = anyio.CapacityLimiter(max(1, settings.api.max_concurrent_answers))
    app.state.write_lock = threading.Lock()
    errors.install(app)
    routers = [m.router for m in (chat, ask, briefs, library, health)]
    for router in routers:
        app.include_router(router)

    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(rest: str, request: Request):
        """Unknown /v1 paths answer in the API's shape (the web app mounted at / would otherwise)."""
        path = request.url.path
        allowed = sorted({m for router in routers for r in router.routes
                          if isinstance(r, APIRoute) and r.path_regex.match(path) for m in r.methods or ()})
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {path}; use {', '.join(allowed)}",
                           code="method_not_allowed")
        raise ApiError(404, f"no such endpoint: {request.method} {path} (see /v1/openapi.json)", code="not_found")

    app.add_middleware(errors.BodyLimit, json_bytes=settings.api.max_json_kb * 2**10,
                       upload_bytes=settings.api.max_upload_mb * 2**20)
    return app

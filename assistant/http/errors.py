"""Errors in OpenAI's shape, ``{"error": {"message", "type", "code", "param"}}``, so every
OpenAI client shows the message as it is; a request body over its limit is refused with 413
before it is read; no Python error text or traceback ever reaches a client.

A model or index that cannot be reached is the server's state, not the request's fault:
503 with the reason (which setting, which file or URL), as models.py and index.py word it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("assistant.http")

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 405: "invalid_request_error", 413: "invalid_request_error",
          429: "rate_limit_error", 501: "not_implemented", 503: "service_unavailable"}


class ApiError(Exception):
    """A failure a client should see, with its HTTP status and OpenAI error type and code."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 type_: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.type = type_ or _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "code": self.code, "param": self.param}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def backend_error(exc: Exception) -> ApiError | None:
    """The 503 for a model or index that failed (its message names the setting or file), else None."""
    from assistant.errors import IndexMismatchError, ModelError, StoreUnavailableError

    if isinstance(exc, (ModelError, StoreUnavailableError, IndexMismatchError)):
        return ApiError(503, str(exc), code="backend_unavailable")
    return None


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    parts, param = [], None
    for err in exc.errors()[:3]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        where = ".".join(loc)
        param = param or where or None
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
    return "invalid request: " + "; ".join(parts), param


def install(app: FastAPI) -> None:
    """Every error leaves in OpenAI's shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _validation_message(exc)
        return ApiError(400, message, code="invalid_request", param=param).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404:
            message = f"no such endpoint: {request.method} {request.url.path} (see /v1/openapi.json)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path} (see /v1/openapi.json)"
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code)
        return ApiError(exc.status_code, message, code=code, headers=getattr(exc, "headers", None)).response()

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        known = backend_error(exc)
        if known is not None:
            log.warning("%s %s: %s", request.method, request.url.path, known.message)
            return known.response()
        ref = uuid.uuid4().hex[:12]
        log.exception("%s %s failed (ref %s)", request.method, request.url.path, ref)
        return ApiError(500, f"the server failed while handling this request (ref {ref}; details in the "
                             "server log)", code="internal_error").response()


class BodyTooLarge(HTTPException):
    """Raised while reading a body past its limit; an HTTPException, so FastAPI's body parsing
    passes it through (instead of calling it a parse error) and the handler above answers 413."""

    def __init__(self, message: str):
        super().__init__(413, message)


class BodyLimit:
    """Refuse request bodies over their limit under /v1: by Content-Length before reading,
    and by counting bytes for chunked bodies. Uploads (POST /v1/documents) get the upload
    limit, everything else the JSON limit. The web app's own limits are Gradio's."""

    def __init__(self, app: ASGIApp, json_bytes: int, upload_bytes: int, prefix: str = "/v1"):
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes
        self.prefix = prefix

    def limit_for(self, scope: Scope) -> tuple[int, str]:
        if scope["path"].rstrip("/") == f"{self.prefix}/documents" and scope["method"] == "POST":
            return self.upload_bytes, "ASSISTANT_API__MAX_UPLOAD_MB"
        return self.json_bytes, "ASSISTANT_API__MAX_JSON_KB"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        limit, setting = self.limit_for(scope)
        message = f"request body over the {_size(limit)} limit ({setting})"
        too_large = ApiError(413, message, code="body_too_large")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await ApiError(400, "Content-Length is not a number").response()(scope, receive, send)
                    return
                if declared > limit:
                    await too_large.response()(scope, receive, send)
                    return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(message)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await too_large.response()(scope, receive, send)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"

"""What the routes share: the Assistant, the caller, and running blocking work off the event loop.

Answers run in worker threads under a limiter (``api.max_concurrent_answers``): the model
serialises generation itself (a lock in models.py), retrieval runs concurrently, and the
event loop stays free for the web page and for other requests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request

from assistant.api import Assistant
from assistant.http.auth import Caller, require_caller
from assistant.http.errors import ApiError, backend_error

T = TypeVar("T")
_END = object()

CallerDep = Annotated[Caller, Depends(require_caller)]


def get_bot(request: Request) -> Assistant:
    return request.app.state.bot


BotDep = Annotated[Assistant, Depends(get_bot)]


async def run_answer(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a question or brief in a worker thread, at most ``max_concurrent_answers`` at once."""
    return await _run(request.app.state.answer_limiter, fn, *args, **kwargs)


async def run_library(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a library call (listing, ingest, delete) in a worker thread."""
    return await _run(None, fn, *args, **kwargs)


async def _run(limiter, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=limiter)
    except ApiError:
        raise
    except Exception as exc:
        known = backend_error(exc)
        if known is not None:
            raise known from None
        raise


async def iterate(request: Request, it: Iterator[T]):
    """Advance a blocking iterator (Assistant.ask_stream) step by step in worker threads."""
    limiter = request.app.state.answer_limiter
    while True:
        item = await _run(limiter, next, it, _END)
        if item is _END:
            return
        yield item

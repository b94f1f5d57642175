"""GET /v1/health: open to all (load balancers, uptime checks), so it says only whether the
library answers and how big it is; 503 with the reason when the index cannot be read."""

from __future__ import annotations

import logging
from importlib import metadata

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assistant.http.deps import BotDep, run_library
from assistant.http.errors import ApiError
from assistant.http.schemas import Health, LibraryStats

router = APIRouter(prefix="/v1", tags=["health"])
log = logging.getLogger("assistant.http")

try:
    VERSION = metadata.version("news-assistant")
except metadata.PackageNotFoundError:  # running from a source tree
    VERSION = "0.1.0"


@router.get("/health", response_model=Health, responses={503: {"model": Health, "description": "Index unavailable"}},
            summary="Is the library answering? (no key needed)")
async def health(bot: BotDep):
    try:
        stats = await run_library(bot.stats)
    except ApiError as exc:  # a model or index failure, worded by models.py / index.py
        return _unavailable(exc.message)
    except Exception as exc:
        log.exception("health check failed")
        return _unavailable(f"the index could not be read ({type(exc).__name__}; details in the server log)")
    return Health(status="ok", version=VERSION, library=LibraryStats(documents=stats["documents"],
                                                                      chunks=stats["chunks"]))


def _unavailable(reason: str) -> JSONResponse:
    return JSONResponse(Health(status="unavailable", version=VERSION, reason=reason).model_dump(), status_code=503)

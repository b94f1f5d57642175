"""POST /v1/briefs: exactly the JSON of ``assistant brief --json`` (Brief.to_json_dict).

Articles are chosen by id, topic or filters; paths on the server are not reachable through
the API (upload files with POST /v1/documents first)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assistant.brief import Brief
from assistant.http.deps import BotDep, CallerDep, run_answer
from assistant.http.errors import ApiError
from assistant.http.schemas import ERRORS, BriefRequest

router = APIRouter(prefix="/v1", tags=["briefs"])


@router.post("/briefs", response_model=Brief, responses={**ERRORS, 404: ERRORS[400] | {
    "description": "No such document, or nothing matches the topic or filters"}},
    summary="A cited brief: the same JSON as `assistant brief --json`")
async def make_brief(body: BriefRequest, request: Request, bot: BotDep, caller: CallerDep) -> JSONResponse:
    topic = (body.topic or "").strip() or None
    filters = body.filter_kwargs()
    if not (body.doc_ids or topic or any(filters.values())):
        raise ApiError(400, "say what to brief: doc_ids, a topic, or date_from/date_to/source/section")

    def run() -> Brief:
        try:
            return bot.brief(doc_ids=body.doc_ids or None, topic=topic, mode=body.mode, **filters)
        except ValueError as exc:  # unknown ids, nothing matching: the chain's own message
            raise ApiError(404, str(exc), code="nothing_to_brief") from None

    brief = await run_answer(request, run)
    return JSONResponse(brief.to_json_dict())

"""POST /v1/ask: exactly the JSON of ``assistant ask --json`` (Answer.to_json_dict)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assistant.http.deps import BotDep, CallerDep, run_answer
from assistant.http.errors import ApiError
from assistant.http.schemas import ERRORS, AskRequest
from assistant.types import Answer

router = APIRouter(prefix="/v1", tags=["answers"])


@router.post("/ask", response_model=Answer, responses=ERRORS, summary="Ask: the same JSON as `assistant ask --json`")
async def ask(body: AskRequest, request: Request, bot: BotDep, caller: CallerDep) -> JSONResponse:
    question = body.question.strip()
    limit = request.app.state.settings.api.max_question_chars
    if not question:
        raise ApiError(400, "the question is empty", param="question")
    if len(question) > limit:
        raise ApiError(400, f"the question is {len(question)} characters, over the {limit} allowed "
                            "(ASSISTANT_API__MAX_QUESTION_CHARS)", param="question")
    answer = await run_answer(request, bot.ask, question, history=list(body.history), **body.filter_kwargs())
    return JSONResponse(answer.to_json_dict())

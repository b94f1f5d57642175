"""OpenAI-compatible chat: POST /v1/chat/completions and GET /v1/models.

The last user message is the question and earlier user/assistant pairs are the history, so
any OpenAI client (the official SDKs, LangChain's ChatOpenAI, Open WebUI) can hold a
conversation with the library. The assistant message is the verified answer; its citations,
short answer, mode and abstention ride along as extension fields.

Streaming sends OpenAI's chunk format, but only verified text: Assistant.ask_stream emits
sentences after they pass the check, each becomes one delta, so the deltas concatenate to
exactly the final answer. Progress ("Searching the library") goes out as SSE comments,
which clients ignore and which keep proxies from timing the stream out.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from assistant.http.deps import BotDep, CallerDep, iterate, run_answer
from assistant.http.errors import ApiError, backend_error
from assistant.http.schemas import (
    ERRORS,
    MODEL_ID,
    AnswerExtras,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatMessage,
    Choice,
    ChunkChoice,
    Delta,
    ModelCard,
    ModelList,
    Usage,
)
from assistant.types import Answer

router = APIRouter(prefix="/v1", tags=["chat"])
log = logging.getLogger("assistant.http")
_STARTED = int(time.time())
_EXTENSION_KEYS = ("usage", *AnswerExtras.model_fields)


@router.get("/models", response_model=ModelList, responses=ERRORS, summary="The one model: news-assistant")
async def list_models(caller: CallerDep) -> ModelList:
    return ModelList(data=[ModelCard(created=_STARTED)])


@router.get("/models/{model_id}", response_model=ModelCard, responses=ERRORS, summary="One model")
async def get_model(model_id: str, caller: CallerDep) -> ModelCard:
    _check_model(model_id)
    return ModelCard(created=_STARTED)


def _check_model(model: str) -> None:
    if model != MODEL_ID:
        raise ApiError(404, f"the model {model!r} does not exist; this server answers as {MODEL_ID!r} "
                            "(GET /v1/models)", code="model_not_found", param="model")


def conversation(messages: list[ChatMessage], max_chars: int) -> tuple[str, list[tuple[str, str]]]:
    """(question, history) from OpenAI messages: the last user message, and the earlier
    user turns each paired with the assistant reply that followed it."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise ApiError(400, "the last message must come from the user: it is the question", param="messages")
    question = turns[-1].text().strip()
    if not question:
        raise ApiError(400, "the last user message is empty", param="messages")
    if len(question) > max_chars:
        raise ApiError(400, f"the question is {len(question)} characters, over the {max_chars} allowed "
                            "(ASSISTANT_API__MAX_QUESTION_CHARS)", param="messages")
    history: list[tuple[str, str]] = []
    for asked, reply in itertools.pairwise(turns[:-1]):
        if asked.role == "user" and reply.role == "assistant":
            history.append((asked.text(), reply.text()))
    return question, history


def extras(answer: Answer) -> dict:
    return AnswerExtras(citations=answer.citations, short_answer=answer.short_answer, abstained=answer.abstained,
                        mode=answer.mode, note=answer.note, related=answer.related).model_dump(mode="json")


def usage(answer: Answer) -> Usage:
    prompt = int(answer.usage.get("prompt_tokens", 0) or 0)
    completion = int(answer.usage.get("completion_tokens", 0) or 0)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


@router.post("/chat/completions", response_model=ChatCompletion, responses={
    **ERRORS, 200: {"description": "The verified answer; with `stream: true`, server-sent events of "
                                   "ChatCompletionChunk objects, then `data: [DONE]`.",
                    "content": {"text/event-stream": {"schema": ChatCompletionChunk.model_json_schema()}}}},
    summary="Ask, OpenAI style: the verified, cited answer")
async def chat_completions(body: ChatCompletionRequest, request: Request, bot: BotDep, caller: CallerDep):
    _check_model(body.model)
    if body.n not in (None, 1):
        raise ApiError(400, "only n=1 is supported: there is one verified answer", param="n")
    settings = request.app.state.settings.api
    question, history = conversation(body.messages, settings.max_question_chars)
    filters = body.filter_kwargs()
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    log.info("chat from %s (stream=%s, %d earlier turns)", caller.name, body.stream, len(history))
    if not body.stream:
        answer = await run_answer(request, bot.ask, question, history=history, **filters)
        return ChatCompletion(id=completion_id, created=created, choices=[Choice(
            message={"role": "assistant", "content": answer.answer})], usage=usage(answer), **extras(answer))
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    events = await run_answer(request, bot.ask_stream, question, history=history, **filters)
    return StreamingResponse(_sse(request, events, completion_id, created, include_usage),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _sse(request: Request, events, completion_id: str, created: int, include_usage: bool
               ) -> AsyncIterator[str]:
    def chunk(delta: Delta, finish: bool = False, **fields) -> str:
        payload = ChatCompletionChunk(id=completion_id, created=created, choices=[ChunkChoice(
            delta=delta, finish_reason="stop" if finish else None)], **fields).model_dump(mode="json")
        payload["choices"][0]["delta"] = delta.model_dump(exclude_none=True)
        if not finish:  # the extension fields ride on the last chunk only
            for key in _EXTENSION_KEYS:
                payload.pop(key, None)
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk(Delta(role="assistant", content=""))
    sent = ""
    try:
        async for event in iterate(request, events):
            if event.type == "status":
                yield ": " + " ".join(event.text.split()) + "\n\n"
            elif event.type == "sentence" and event.text:
                piece = f" {event.text}" if sent else event.text
                sent += piece
                yield chunk(Delta(content=piece))
            elif event.type == "answer" and event.answer is not None:
                answer = event.answer
                if not sent:
                    # An abstention has no sentences: its text is fixed, never model output.
                    sent = answer.answer
                    yield chunk(Delta(content=answer.answer))
                elif sent != answer.answer:
                    log.warning("streamed sentences differ from the final answer (%d vs %d chars)",
                                len(sent), len(answer.answer))
                yield chunk(Delta(), finish=True, **extras(answer))
                if include_usage:
                    payload = ChatCompletionChunk(id=completion_id, created=created, choices=[], usage=usage(answer))
                    fields = {"id", "object", "created", "model", "choices", "usage"}
                    yield f"data: {payload.model_dump_json(include=fields)}\n\n"
    except Exception as exc:  # the response has started: report in the stream, OpenAI style
        error = exc if isinstance(exc, ApiError) else backend_error(exc)
        if error is None:
            ref = uuid.uuid4().hex[:12]
            log.exception("streamed answer failed (ref %s)", ref)
            error = ApiError(500, f"the server failed while answering (ref {ref}; details in the server log)",
                             code="internal_error")
        yield f"data: {json.dumps(error.body())}\n\n"
    yield "data: [DONE]\n\n"

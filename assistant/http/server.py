"""`assistant serve`: the web app and the HTTP API in one uvicorn server on one port.

The Gradio app is mounted at ``/`` on the API's FastAPI app (``gr.mount_gradio_app``), so
``/v1/...`` is the API and everything else the web page. Before anything loads, the bind is
checked: beyond loopback the web app needs a username and password (ui/app.py's rule) and the
API needs at least one key (auth.py's rule).
"""

from __future__ import annotations

import logging

from assistant.api import Assistant
from assistant.http.auth import KeyPolicyError, KeyRing, key_required


def check_api_bind(bot: Assistant, host: str) -> bool:
    """Whether keys are required on ``host``; refuses to start when they are and none exist."""
    settings = bot.settings
    required = key_required(host, settings.api.require_key)
    if settings.api.enabled and required and not KeyRing(settings).keys:
        where = "beyond loopback" if not settings.api.require_key else "with ASSISTANT_API__REQUIRE_KEY set"
        raise KeyPolicyError(
            f"refusing to serve the API on {host} {where} without an API key: make one with "
            f"`assistant keys add NAME` (stored hashed in {settings.api_keys_file}), or set "
            "ASSISTANT_API__ENABLED=false to serve only the web app")
    return required


def build_server(bot: Assistant, host: str):
    """The FastAPI app with the API under /v1 and the web app at /."""
    from assistant.ui.app import CSS, HEAD, build, check_bind, theme

    # The web page's own rule first (a password beyond loopback), then the API's (a key).
    s = bot.settings.server
    password = s.password.get_secret_value() if s.password else None
    check_bind(host, s.username, password, s.allow_unauthenticated_remote)
    required = check_api_bind(bot, host)
    s.host = host  # the bound address: beyond loopback, URL fetches refuse private addresses too

    import gradio as gr
    from fastapi import FastAPI

    from assistant.http.app import create_app
    if bot.settings.api.enabled:
        app = create_app(bot, require_key=required)
    else:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    demo = build(bot)
    demo.queue(default_concurrency_limit=s.concurrency, max_size=64)
    return gr.mount_gradio_app(
        app, demo, path="/", auth=(s.username, password) if s.username and password else None,
        max_file_size=f"{s.max_upload_mb}mb", show_error=True, ssr_mode=False, pwa=False,
        theme=theme(), css=CSS, head=HEAD, footer_links=["settings"], mcp_server=False,
    )


def serve(bot: Assistant, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    s = bot.settings.server
    host = host or s.host
    port = port or s.port
    app = build_server(bot, host)
    bot.index  # noqa: B018  (open the index and load the models before the first visitor)
    bot.embeddings.embed_query("warm up")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger = logging.getLogger("assistant.http")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    shown = f"[{host}]" if ":" in host else host
    print(f"News assistant: web app http://{shown}:{port}/  API http://{shown}:{port}/v1 "
          f"(schema /v1/openapi.json)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)

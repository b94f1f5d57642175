"""The HTTP API, served by `assistant serve` beside the web app under /v1.

- chat.py: OpenAI-compatible /v1/chat/completions and /v1/models (verified answers, citations)
- ask.py, briefs.py: /v1/ask and /v1/briefs, the JSON of `ask --json` and `brief --json`
- library.py: /v1/documents (list, read, upload, delete) and /v1/reindex
- health.py: /v1/health
- auth.py (keys, rate limits), errors.py (OpenAI error shape, body limits), schemas.py
- app.py builds the FastAPI app; server.py mounts the Gradio app on it and runs uvicorn
"""

"""The embedding server (`embedflow serve`): image and text embeddings over HTTP with FastAPI and uvicorn.

GET /health, GET /v1/models, POST /v1/embed (multipart `images` files and a `model` field, or
JSON {"model": ..., "images": [base64 or {"name", "data"}]}), and POST /v1/embeddings, the
OpenAI-compatible endpoint for the built-in text models. Every answer is JSON; each image gets a
vector or its own error; bad requests get 4xx JSON and no traceback ever leaves.

Modules: `config` (limits), `connections` (the HTTP protocol: header deadlines, connection caps),
`guard` (the ASGI guard: token, body budgets and deadlines, requests in flight, compute deadline),
`parsing` (one JSON reader, texts and images), `embedding` (the computing), `routes`, `memory`
(giving memory back to the system), `command` (`embedflow serve`). docs/reliability.md lists the limits.
"""

from .command import add_arguments, main
from .config import ServerConfig
from .connections import uvicorn_config
from .routes import create_app

__all__ = ["ServerConfig", "add_arguments", "create_app", "main", "uvicorn_config"]

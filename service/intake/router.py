"""`POST /webhook`: verify, store once, answer 202 (the worker does the rest)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal, cast

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from service.intake.events import Routing, subject_of
from service.intake.signature import is_valid
from service.metrics import DELIVERIES
from service.store.deliveries import NewDelivery
from service.store.group_commit import CommitFailed
from service.store.limits import Unstorable

log = logging.getLogger(__name__)


class _OwnRequestRoute(APIRoute):
    """A route whose endpoint takes the `Request` and returns its `Response` itself.

    FastAPI's request handler solves the endpoint's parameters for each request (query string,
    cookies, dependencies, exit stacks); the webhook declares none, and skipping that work
    is about a tenth of intake's throughput. The route is still declared, matched and
    documented in the OpenAPI schema as every other (FastAPI's documented custom route class).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return cast(Callable[[Request], Coroutine[Any, Any, Response]], self.endpoint)


router = APIRouter(tags=["intake"], route_class=_OwnRequestRoute)

# GitHub caps webhook payloads at 25 MB.
MAX_BODY_BYTES = 25 * 1024 * 1024
# Where each stored value came from, to name it in a 400 when the store cannot hold it.
_SOURCES = {
    "id": "header X-GitHub-Delivery",
    "event": "header X-GitHub-Event",
    "action": "payload field action",
    "subject": "the subject this payload names (issue.node_id, repository.full_name, "
    "projects_v2_item.node_id or installation.id)",
    "installation_id": "payload field installation.id",
    "payload": "the body",
    "status": "the status",
}


class Accepted(BaseModel):
    delivery: str
    status: Literal["queued", "ignored", "duplicate"]


class Pong(BaseModel):
    ok: bool
    zen: Any = None  # GitHub's zen line, as sent


class Refused(BaseModel):
    error: str  # what is wrong and where


# The request as GitHub sends it: the body is read raw (its HMAC is checked before parsing), so
# it is described here rather than declared as a parameter. The payload shows the fields
# intake reads; every other field is kept in the stored payload and ignored here.
_TEXT = {"type": "string"}
_WEBHOOK_REQUEST: dict[str, Any] = {
    "parameters": [
        {"name": "X-GitHub-Event", "in": "header", "required": True, "schema": _TEXT},
        {"name": "X-GitHub-Delivery", "in": "header", "required": True, "schema": _TEXT},
        {
            "name": "X-Hub-Signature-256",
            "in": "header",
            "required": False,
            "description": "sha256=<hex HMAC-SHA256 of the body>; required when "
            "GITHUB_WEBHOOK_SECRET is set",
            "schema": _TEXT,
        },
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "action": _TEXT,
                        "installation": {
                            "type": "object",
                            "properties": {"id": {"type": "integer"}},
                            "required": ["id"],
                        },
                        "repository": {
                            "type": "object",
                            "properties": {"full_name": _TEXT},
                            "required": ["full_name"],
                        },
                        "issue": {
                            "type": "object",
                            "properties": {"number": {"type": "integer"}, "node_id": _TEXT},
                            "required": ["number"],
                        },
                        "projects_v2_item": {
                            "type": "object",
                            "properties": {"node_id": _TEXT, "content_node_id": _TEXT},
                            "required": ["node_id"],
                        },
                    },
                }
            }
        },
    },
}


def _routing(body: bytes) -> Routing | None:
    """What intake reads, straight from the body's JSON (in pydantic's Rust parser, which
    skips the fields it does not declare); None when it does not validate, and then the slow
    path says why."""
    try:
        return Routing.model_validate_json(body)
    except ValidationError:
        return None


def _reject(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


async def _read_body(request: Request) -> bytes | None:
    """The raw body, or None as soon as it exceeds the cap (never buffering more)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/webhook",
    status_code=202,
    response_model=Accepted,
    openapi_extra=_WEBHOOK_REQUEST,
    responses={
        200: {"model": Pong, "description": "A `ping` event: answered, not stored"},
        400: {
            "model": Refused,
            "description": "A missing header, a malformed body or a value the store cannot hold",
        },
        401: {"model": Refused, "description": "Missing or wrong X-Hub-Signature-256"},
        413: {"model": Refused, "description": f"Body larger than {MAX_BODY_BYTES} bytes"},
        503: {"model": Refused, "description": "The database did not store the delivery"},
    },
)
async def receive(request: Request) -> JSONResponse:
    state = request.app.state
    body = await _read_body(request)
    if body is None:
        return _reject(413, f"body larger than {MAX_BODY_BYTES} bytes")
    secrets = state.settings.github_webhook_secret
    if secrets and not is_valid(request.headers.get("x-hub-signature-256"), body, secrets):
        log.warning("webhook refused: missing or wrong X-Hub-Signature-256")
        return _reject(401, "missing or wrong X-Hub-Signature-256")
    event = request.headers.get("x-github-event", "").strip()
    delivery_id = request.headers.get("x-github-delivery", "").strip()
    if not event:
        return _reject(400, "missing X-GitHub-Event header")
    if not delivery_id or len(delivery_id) > 64:
        return _reject(400, "missing or malformed X-GitHub-Delivery header")
    routing = _routing(body) if event != "ping" else None
    if routing is None:
        # The slow path, which names what is wrong: parse, then validate.
        try:
            payload: Any = json.loads(body)
        except ValueError as exc:
            return _reject(400, f"body is not JSON: {exc}")
        except RecursionError:
            # Thousands of `[` or `{`: the parser's recursion gives up (it was a 500).
            return _reject(400, "body nests arrays or objects too deeply to be read")
        if not isinstance(payload, dict):
            return _reject(400, f"body is JSON but not an object (got {type(payload).__name__})")
        if event == "ping":
            return JSONResponse({"ok": True, "zen": payload.get("zen")}, status_code=200)
        try:
            routing = Routing.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            return _reject(400, f"payload field {where}: {first['msg']}")

    status: Literal["queued", "ignored"] = (
        "queued" if state.registry.handles(event, routing.action) else "ignored"
    )
    new = NewDelivery(
        id=delivery_id,
        event=event,
        action=routing.action,
        subject=subject_of(event, routing),
        installation_id=routing.installation.id if routing.installation else None,
        payload=body.decode("utf-8", errors="replace"),
        status=status,
    )
    try:
        new.check()
    except Unstorable as exc:
        return _reject(400, f"{_SOURCES[exc.field]} {exc.reason}")
    try:
        # Awaited, not run in a thread: concurrent deliveries share one commit.
        stored = await state.intake.add(new)
    except CommitFailed:
        return _reject(503, "the delivery could not be stored; send it again")
    answer = status if stored else "duplicate"
    DELIVERIES.labels(event=event, status=answer).inc()
    return JSONResponse({"delivery": delivery_id, "status": answer}, status_code=202)

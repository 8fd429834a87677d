"""The yardstick for `bench intake`: a bare FastAPI endpoint that reads the body and answers 202.

Run by uvicorn exactly as `boardwatch serve` runs (one process, httptools, no access log),
so the difference between the two is what boardwatch does per delivery.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/webhook", status_code=202)
async def receive(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"status": "queued"}, status_code=202)


@app.get("/healthz")
async def healthz() -> dict[str, bool]:
    return {"ok": True}

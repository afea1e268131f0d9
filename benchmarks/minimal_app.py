"""The baseline of ``bench_verify_http``: FastAPI parsing the same JSON, answering a constant."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    qr: str


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/check")
def check(body: Body) -> dict[str, object]:
    return {"valid": True, "length": len(body.qr)}

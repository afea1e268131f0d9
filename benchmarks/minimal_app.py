"""The baseline of the HTTP benchmarks: FastAPI parsing the same JSON, answering a constant."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
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


@app.post("/fhir")
async def bundle(request: Request) -> dict[str, Any]:
    """``bench_fhir_http``'s baseline: the bundle read as JSON, a constant answered."""
    entries = (await request.json()).get("entry", [])
    return {"resourceType": "Bundle", "type": "transaction-response", "total": len(entries)}

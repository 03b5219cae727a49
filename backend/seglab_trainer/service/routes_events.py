"""GET /v1/jobs/{id}/events: the job's progress lines as Server-Sent Events, then `end` with the final record."""
from __future__ import annotations

import asyncio
import json
import os

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from .auth import require_token
from .routes_jobs import job_or_404, manager_of
from .schema import TERMINAL

router = APIRouter(prefix="/v1/jobs", dependencies=[Depends(require_token)])
#: a progress line number: far above any run, far below what int() or the client would choke on
MAX_LINE = 10**9


@router.get("/{job_id}/events")
async def events(job_id: str, request: Request, since: int = Query(0, ge=0, le=MAX_LINE)):
    """One `progress` event per progress line (id = line number), then `end`."""
    manager = manager_of(request)
    job_or_404(manager, job_id)
    return event_stream(manager, job_id, os.path.join(manager.job_dir(job_id), "out", "progress.jsonl"), request, since)


def event_stream(manager, job_id: str, path: str, request: Request, since: int) -> StreamingResponse:
    """The lines of `path` from `since` (or after the Last-Event-ID) while `manager.get(job_id)` runs; prediction
    jobs (routes_predictions.py) use it too."""
    last = request.headers.get("last-event-id")
    if last is not None and not (len(last) <= 10 and last.isascii() and last.isdigit() and int(last) <= MAX_LINE):
        raise HTTPException(400, f"Last-Event-ID must be a line number 0-{MAX_LINE}, got {last[:40]!r}")
    start = int(last) + 1 if last else since
    return StreamingResponse(
        follow(manager, job_id, path, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def follow(manager, job_id: str, path: str, start: int):
    offset, line_no, idle = 0, 0, 0.0
    while True:
        state = manager.get(job_id)["state"]
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            data = b""
        end = data.rfind(b"\n") + 1
        offset += end
        for line in data[:end].splitlines():
            if line_no >= start:
                yield f"id: {line_no}\nevent: progress\ndata: {line.decode('utf-8', 'replace')}\n\n"
            line_no += 1
        if end:
            idle = 0.0
        if state in TERMINAL and not end:
            yield f"event: end\ndata: {json.dumps(manager.get(job_id))}\n\n"
            return
        await asyncio.sleep(0.25)
        idle += 0.25
        if idle >= 15:
            idle = 0.0
            yield ": keep-alive\n\n"

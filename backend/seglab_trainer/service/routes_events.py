"""GET /v1/jobs/{id}/events: the job's progress lines as Server-Sent Events, then `end` with the final record."""
from __future__ import annotations

import asyncio
import json
import os

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from .auth import require_token
from .jobs import JobManager
from .routes_jobs import job_or_404, manager_of
from .schema import TERMINAL

router = APIRouter(prefix="/v1/jobs", dependencies=[Depends(require_token)])


@router.get("/{job_id}/events")
async def events(job_id: str, request: Request, since: int = 0):
    """One `progress` event per progress line (id = line number), then `end`."""
    manager = manager_of(request)
    job_or_404(manager, job_id)
    last = request.headers.get("last-event-id")
    start = int(last) + 1 if last and last.isdigit() else since
    path = os.path.join(manager.job_dir(job_id), "out", "progress.jsonl")
    return StreamingResponse(
        follow(manager, job_id, path, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def follow(manager: JobManager, job_id: str, path: str, start: int):
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

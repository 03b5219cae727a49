"""/v1/openapi.json and /v1/docs, behind the token, only when the service runs with --api-docs. The page is
plain HTML made here (FastAPI's pages load Swagger UI or ReDoc from a CDN, which the service must not do)."""
from __future__ import annotations

import html

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from .auth import require_token

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> dict:
    return request.app.openapi()


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
def docs(request: Request) -> str:
    schema = request.app.openapi()
    rows = [
        f"<tr><td>{html.escape(method.upper())}</td><td><code>{html.escape(path)}</code></td>"
        f"<td>{html.escape(op.get('summary', ''))}</td></tr>"
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]
    title = html.escape(f"{schema['info']['title']} {schema['info']['version']}")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>The full schema: <code>GET /v1/openapi.json</code>; the API's description: backend/API.md.</p>"
        f"<table>{''.join(rows)}</table></body></html>"
    )

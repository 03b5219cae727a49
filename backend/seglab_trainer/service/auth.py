"""Bearer token: SEGLAB_TOKEN, else one generated on first start and kept (mode 0600) in the data dir; and the
check every route but /v1/health depends on."""
import hmac
import os
import secrets
from typing import Tuple

from fastapi import HTTPException, Request


def load_or_create_token(data_dir: str) -> Tuple[str, bool]:
    """Returns (token, newly_generated)."""
    env = os.environ.get("SEGLAB_TOKEN")
    if env:
        return env, False
    path = os.path.join(data_dir, "token")
    try:
        with open(path, encoding="utf-8") as f:
            token = f.read().strip()
        if token:
            return token, False
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return token, True


def require_token(request: Request) -> None:
    """FastAPI dependency: the app's token (app.state.token) as `Authorization: Bearer <token>`."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    token: str = request.app.state.token
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

"""Bearer token: SEGLAB_TOKEN, else one generated on first start and kept (mode 0600) in the data dir."""
import os
import secrets
from typing import Tuple


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

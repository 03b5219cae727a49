"""An engine's own check of a model against a dataset (`… --check --json`), run before a job is queued so a card
that cannot run is a 422 at submission and the card's rules stay with the engine that applies them. The problem
text never shows the service's own paths."""
from __future__ import annotations

import json
import subprocess
from typing import Dict, List, Tuple

CHECK_TIMEOUT_S = 120


def run_check(argv: List[str], names: Dict[str, str]) -> Tuple[dict, str]:
    """(the check's JSON answer, "") when it passed, else ({}, the problem with each path of `names` replaced by
    its name there)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {}, f"the check did not finish ({e.__class__.__name__})"
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):  # a crash, not a refusal: its last line (a traceback's says what went wrong)
        lines = done.stderr.strip().splitlines()
        answer = {"error": lines[-1][-2000:] if lines else f"the check exited with status {done.returncode}"}
    if done.returncode == 0 and "error" not in answer:
        return answer, ""
    file, error, hint = (str(answer.get(k) or "") for k in ("file", "error", "hint"))
    text = f"{file}: {error}" if file else error
    text = f"{text} {hint}".strip()
    for path, name in names.items():
        text = text.replace(path, name)
    return {}, text

"""seglab.json's keys and types as the CLI reads them (src/core/dataset/config.ts, parseConfig): one rule for
the trainer's load_config and the service's upload check. Value ranges (class ids, the ignore index, paths
staying inside the dataset) are load_config's."""
from __future__ import annotations

import json
from typing import Any, Dict, Tuple

#: seglab.json's keys and a class's keys: src/core/dataset/config.ts rejects any other (a test compares the lists)
CONFIG_KEYS = ("name", "classes", "ignoreIndex", "imagesDir", "masksDir", "predictionsDir", "splits")
CLASS_KEYS = ("id", "name", "color")


class ConfigProblem(ValueError):
    pass


def check_config(raw: Dict[str, Any]) -> None:
    """Raises ConfigProblem with the CLI's wording for an unknown key or a value of the wrong type."""
    _known(raw, CONFIG_KEYS, f'unknown key "{{}}" (known keys: {", ".join(CONFIG_KEYS)})')
    if "name" in raw and not _text(raw["name"]):
        raise ConfigProblem(f"name: expected a non-empty string, got {_show(raw['name'])}")
    classes = raw.get("classes")
    for i, c in enumerate(classes if isinstance(classes, list) else []):
        if isinstance(c, dict):
            _known(c, CLASS_KEYS, f'classes[{i}]: unknown key "{{}}" (expected id, name, color)')
    for key in ("imagesDir", "masksDir", "predictionsDir"):
        if key in raw:
            _relative_path(raw[key], key)
    splits = raw.get("splits", {})
    if not isinstance(splits, dict):
        raise ConfigProblem(f'splits: expected an object {{"<split name>": "<list file>"}}, got {_show(splits)}')
    for name, file in splits.items():
        if name.strip() == "":
            raise ConfigProblem("splits: a split name is empty")
        _relative_path(file, f"splits.{name}")


def _relative_path(value: Any, field: str) -> None:
    """The type check of config.ts's relativePath (whether it stays inside the dataset is load_config's);
    NUL is refused here because no file system path can hold it."""
    if not _text(value) or "\0" in value:
        raise ConfigProblem(f"{field}: expected a non-empty relative path, got {_show(value)}")


def _known(obj: Dict[str, Any], keys: Tuple[str, ...], message: str) -> None:
    unknown = [k for k in obj if k not in keys]
    if unknown:
        raise ConfigProblem(message.format(unknown[0]))


def _text(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _show(v: Any) -> str:
    return json.dumps(v)[:200]

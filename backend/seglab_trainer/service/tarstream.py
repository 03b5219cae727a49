"""A tar reader for untrusted uploads. Python's tarfile reads a whole PAX or GNU long-name header into memory
and keeps every member it has seen, so a small gzip upload could take gigabytes: this one parses the 512-byte
headers itself, checks every size against its limits before reading what it announces, counts every entry
(`./` included) and keeps nothing of a member once it has been handed over."""
from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass
from typing import Iterator, Optional, Union

BLOCK = 512
#: the body of one PAX extended header or GNU long name (a real one holds a path and a few numbers)
MAX_EXTENDED_HEADER = 64 << 10
#: extended headers before the member they describe (PAX local + global, GNU long name + long link name)
MAX_EXTENDED_IN_A_ROW = 4
MAX_PATH_BYTES = 1024
MAX_DEPTH = 32
FILE_TYPES = (b"0", b"\0", b"7")
LINK_TYPES = (b"1", b"2")
SPECIAL_TYPES = (b"3", b"4", b"6")


class TarError(Exception):
    """`status` is 400 for an archive that is not a valid upload, 413 for one over a limit."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass
class Member:
    name: str  # as in the archive
    path: str  # normalised: no `.` or empty components ("" for the archive root, `./`)
    is_dir: bool
    size: int


class TarReader:
    """Iterate to get the members; a file's data is read with `read_data` before the next member (what is not
    read is skipped). Every byte of the (decompressed) stream counts against `max_bytes`."""

    def __init__(self, f: io.BufferedReader, max_bytes: int, max_members: int):
        self.f: Union[gzip.GzipFile, io.BufferedReader] = (
            gzip.GzipFile(fileobj=f, mode="rb") if f.peek(2)[:2] == b"\x1f\x8b" else f
        )
        self.max_bytes, self.max_members = max_bytes, max_members
        self.consumed, self.members = 0, 0
        self.pending = self.last_size = 0  # the current file's unread bytes, and its size (for the padding)

    def _raw(self, n: int) -> bytes:
        try:
            return self.f.read(n)
        except (OSError, EOFError, zlib.error) as e:
            raise TarError(400, f"not a readable tar archive: gzip: {e}")

    def _read(self, n: int) -> bytes:
        self.consumed += n
        if self.consumed > self.max_bytes:
            raise TarError(413, f"archive expands to more than {self.max_bytes} bytes")
        data = self._raw(n)
        if len(data) != n:
            raise TarError(400, "not a readable tar archive: truncated")
        return data

    def read_data(self, chunk: int = 1 << 20) -> Iterator[bytes]:
        """The current file's bytes, then its padding is skipped."""
        left, self.pending = self.pending, 0
        while left:
            n = min(chunk, left)
            yield self._read(n)
            left -= n
        self._skip_padding(self.last_size)

    def _skip_padding(self, size: int) -> None:
        if size % BLOCK:
            self._read(BLOCK - size % BLOCK)

    def __iter__(self) -> Iterator[Member]:
        while True:
            if self.pending:  # the caller did not read the previous file's data
                for _ in self.read_data():
                    pass
            member = self._next()
            if member is None:
                return
            if not member.is_dir:
                self.pending = self.last_size = member.size
            yield member

    def _next(self) -> Optional[Member]:
        pax: dict = {}
        long_name: Optional[bytes] = None
        for _ in range(MAX_EXTENDED_IN_A_ROW + 1):
            block = self._block()
            if block is None:
                return None
            kind, size = block[156:157], _number(block[124:136])
            if kind in (b"x", b"g", b"L", b"K"):
                body = self._extended(size)
                if kind == b"x":
                    pax = _pax_records(body)
                elif kind == b"L":
                    long_name = body.rstrip(b"\0")
                continue
            self.members += 1
            if self.members > self.max_members:
                raise TarError(413, f"archive has more than {self.max_members} entries")
            raw = long_name if long_name is not None else _header_name(block)
            name = pax.get("path") or _decode(raw)
            if "size" in pax:
                size = _pax_size(pax["size"], name)
            return self._member(name, kind, size)
        raise TarError(400, f"not a readable tar archive: more than {MAX_EXTENDED_IN_A_ROW} extended headers in a row")

    def _block(self) -> Optional[bytes]:
        """The next header, None at the end of the archive (a zero block, or the end of the stream)."""
        block = self._raw(BLOCK)
        self.consumed += len(block)
        if not block or block == bytes(BLOCK):
            return None
        if len(block) != BLOCK:
            raise TarError(400, "not a readable tar archive: truncated")
        stored = _number(block[148:156])
        unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
        if stored != unsigned:
            raise TarError(400, f"not a readable tar archive: bad header checksum at byte {self.consumed - BLOCK}")
        return block

    def _extended(self, size: int) -> bytes:
        if size > MAX_EXTENDED_HEADER:
            raise TarError(413, f"archive has an extended header of {size} bytes (the limit is {MAX_EXTENDED_HEADER})")
        body = self._read(size)
        self._skip_padding(size)
        return body

    def _member(self, name: str, kind: bytes, size: int) -> Member:
        path = _normalise(name)
        if kind in LINK_TYPES:
            raise TarError(400, f"archive member {name!r}: links are not allowed (regular files and folders only)")
        if kind in SPECIAL_TYPES:
            raise TarError(
                400, f"archive member {name!r}: special files are not allowed (regular files and folders only)"
            )
        if kind not in FILE_TYPES and kind != b"5":
            raise TarError(
                400, f"archive member {name!r}: unsupported entry type {kind!r} (regular files and folders only)"
            )
        if size > self.max_bytes:
            raise TarError(413, f"archive member {name!r}: {size} bytes, more than the limit of {self.max_bytes}")
        return Member(name, path, kind == b"5", 0 if kind == b"5" else size)


def _number(field: bytes) -> int:
    """An octal field, or GNU's base-256 for large values (negative values are refused)."""
    if field[:1] == b"\x80":
        return int.from_bytes(field[1:], "big")
    if field[:1] == b"\xff":
        raise TarError(400, "not a readable tar archive: negative number in a header")
    text = field.replace(b"\0", b" ").strip()
    if not re.fullmatch(rb"[0-7]*", text):
        raise TarError(400, "not a readable tar archive: invalid header")
    return int(text or b"0", 8)


def _header_name(block: bytes) -> bytes:
    name = block[:100].split(b"\0", 1)[0]
    if block[257:263] == b"ustar\0":  # POSIX ustar: a prefix for long paths (GNU uses that space otherwise)
        prefix = block[345:500].split(b"\0", 1)[0]
        if prefix:
            name = prefix + b"/" + name
    return name


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TarError(400, f"archive member {raw[:200]!r}: the name is not UTF-8")


def _pax_records(body: bytes) -> dict:
    """`<length> <key>=<value>\\n` records; the keys this reader uses are `path` and `size`."""
    records, pos = {}, 0
    while pos < len(body) and body[pos : pos + 1] != b"\0":
        m = re.match(rb"(\d{1,6}) ", body[pos : pos + 8])
        end = pos + int(m.group(1)) if m else 0
        if not m or end > len(body) or body[end - 1 : end] != b"\n" or b"=" not in body[pos:end]:
            raise TarError(400, "not a readable tar archive: malformed PAX header")
        key, _, value = body[pos + len(m.group(0)) : end - 1].partition(b"=")
        records[_decode(key)] = _decode(value)
        pos = end
    return records


def _pax_size(value: str, name: str) -> int:
    if not value.isdigit() or len(value) > 19:
        raise TarError(400, f"archive member {name!r}: invalid PAX size {value[:40]!r}")
    return int(value)


def _normalise(name: str) -> str:
    if not name or "\0" in name or "\\" in name:
        raise TarError(400, f"archive member {name!r}: empty name, NUL or backslash")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise TarError(400, f"archive member {name!r}: absolute paths are not allowed")
    if len(name.encode()) > MAX_PATH_BYTES:
        raise TarError(400, f"archive member {name[:100]!r}...: a path longer than {MAX_PATH_BYTES} bytes")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise TarError(400, f"archive member {name!r}: '..' is not allowed")
    if len(parts) > MAX_DEPTH:
        raise TarError(400, f"archive member {name[:100]!r}...: more than {MAX_DEPTH} folders deep")
    return "/".join(parts)

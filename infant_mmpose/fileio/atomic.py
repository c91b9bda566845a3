"""The one way this project writes a file: to a hidden temporary sibling,
moved into place with ``os.replace`` once complete, so an interrupted or
failed write never leaves half a file under the final name (readers see the
old file or the new one, never a mix).
"""
import contextlib
import itertools
import json
import os
import os.path as osp
from typing import IO, Any, Iterator

_counter = itertools.count()


def temp_path(path: str) -> str:
    """Hidden temporary name next to ``path``, unique in this process, with
    ``path``'s extension kept (OpenCV and NumPy choose the format from it).

    For writers that need a path rather than a file object (a video writer,
    a file streamed over a long run): write there, then
    ``os.replace(tmp, path)``.
    """
    folder, base = osp.split(osp.abspath(path))
    stem, ext = osp.splitext(base)
    return osp.join(folder, f'.{stem}.tmp{os.getpid()}_{next(_counter)}{ext}')


@contextlib.contextmanager
def atomic_open(path: str, mode: str = 'w', **kwargs) -> Iterator[IO]:
    """Open a temporary sibling of ``path``; move it to ``path`` on success.

    The parent folder is created. On an exception the temporary file is
    removed, ``path`` is untouched and the exception propagates.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def atomic_write_json(path: str, payload: Any, **dump_kwargs) -> None:
    """``json.dump(payload)`` to ``path`` atomically (UTF-8)."""
    with atomic_open(path, 'w', encoding='utf-8') as f:
        json.dump(payload, f, **dump_kwargs)


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_open(path, 'w', encoding='utf-8') as f:
        f.write(text)

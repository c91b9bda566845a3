"""Per-stage config overrides given on a command line.

``tools/run_pipeline.py`` and ``tools/quickstart.py`` take
``--cfg-options STAGE:KEY=VALUE ...``; this turns them into the
``{stage: {key: value}}`` dict that :func:`~.run.run_pipeline` expects.
"""
import ast
from typing import Dict, Iterable, Optional


def _value(text: str):
    """A Python literal when ``text`` is one (``2``, ``None``, ``[1, 2]``),
    else the text itself (a path, a name)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_stage_options(items: Optional[Iterable[str]]) -> Dict[str, dict]:
    """``['detector:train_cfg.max_epochs=2', ...]`` -> ``{stage: {k: v}}``.

    Raises:
        SystemExit: an item is not ``STAGE:key=value``.
    """
    out: Dict[str, dict] = {}
    for item in items or []:
        stage, sep1, rest = item.partition(':')
        key, sep2, value = rest.partition('=')
        if not (sep1 and sep2 and stage and key):
            raise SystemExit(
                f'--cfg-options expects STAGE:key=value, got {item!r}')
        out.setdefault(stage, {})[key] = _value(value)
    return out


def merge_stage_options(*options: Dict[str, dict]) -> Dict[str, dict]:
    """Merge several ``{stage: {key: value}}`` dicts; later ones win."""
    out: Dict[str, dict] = {}
    for opts in options:
        for stage, values in opts.items():
            out.setdefault(stage, {}).update(values)
    return out

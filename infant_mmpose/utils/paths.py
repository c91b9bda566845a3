"""Where the project's own files live, for code that must find its configs."""
import os.path as osp

#: Repository root (the folder holding ``configs/`` and ``tools/``).
PROJECT_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def config_path(relative: str) -> str:
    """Absolute path of ``configs/<relative>``, e.g. ``'_base_/datasets/minirgbd.py'``.

    Raises:
        FileNotFoundError: if the file is not in this checkout's ``configs/``.
    """
    path = osp.join(PROJECT_ROOT, 'configs', relative)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found: infant_mmpose must be installed from a '
            'checkout (pip install -e .) so that its configs/ folder exists')
    return path

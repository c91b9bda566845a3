"""Where the project's configs live, in a checkout or an installed package.

A wheel (``pip install .``) carries the configs the way MMPose packages its
own: under the package's ``.mim/configs`` folder. An editable install or
a checkout on ``PYTHONPATH`` uses the checkout's ``configs/`` folder.
"""
import os.path as osp

#: The package folder (``.../infant_mmpose``).
PACKAGE_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: Repository root of a checkout (the folder holding ``configs/`` and
#: ``tools/``); in an installed package, the folder the package is in.
PROJECT_ROOT = osp.dirname(PACKAGE_ROOT)
#: Configs packaged in a wheel (MMPose's layout).
PACKAGED_CONFIGS = osp.join(PACKAGE_ROOT, '.mim', 'configs')
#: Configs of a checkout.
CHECKOUT_CONFIGS = osp.join(PROJECT_ROOT, 'configs')


def configs_root() -> str:
    """The ``configs`` folder in use: the packaged one when the package was
    installed from a wheel, else the checkout's.

    Raises:
        FileNotFoundError: neither exists (a broken installation).
    """
    for folder in (PACKAGED_CONFIGS, CHECKOUT_CONFIGS):
        if osp.isdir(folder):
            return folder
    raise FileNotFoundError(
        f'infant_mmpose finds no configs: neither {PACKAGED_CONFIGS} (an '
        f'installed wheel) nor {CHECKOUT_CONFIGS} (a checkout) exists; '
        'reinstall the package (pip install .) or use a checkout')


def config_path(relative: str) -> str:
    """Absolute path of ``configs/<relative>``, e.g.
    ``'_base_/datasets/minirgbd.py'``.

    Raises:
        FileNotFoundError: no such file among the configs.
    """
    path = osp.join(configs_root(), relative)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: no config {relative!r} '
                                f'in {configs_root()}')
    return path


def get_config(name: str) -> str:
    """Absolute path of a config shipped with the package, by its name
    relative to ``configs/``, with or without ``.py``.

    Works the same from a checkout and from an installed wheel, and the path
    goes wherever a config file does: ``Config.fromfile``,
    ``mmpose.apis.init_model``, ``MMPoseInferencer(pose2d=...)``,
    ``tools/train.py``. Example::

        import infant_mmpose
        cfg = infant_mmpose.get_config('quickstart/pose2d')

    Raises:
        FileNotFoundError: no such config (the message lists the folders).
    """
    relative = name if name.endswith('.py') else name + '.py'
    try:
        return config_path(relative)
    except FileNotFoundError:
        root = configs_root()
        import glob
        folders = sorted({osp.relpath(osp.dirname(p), root)
                          for p in glob.glob(osp.join(root, '*', '*.py'))})
        raise FileNotFoundError(
            f'no packaged config {name!r}; configs are named like '
            f"'quickstart/pose2d' from the folders {folders} of {root}"
        ) from None

"""Load checkpoints named by URL (model zoo) with ``weights_only=True``.

MMEngine resolves ``load_from`` / ``init_cfg`` URLs (``https://...``,
``torchvision://resnet50``) through ``CheckpointLoader``; on torch >= 1.7 it
calls ``torch.hub.load_state_dict_from_url``, whose ``weights_only`` defaults
to False, so a downloaded file could run code when unpickled. The loaders
registered here keep MMEngine's behaviour (same cache file
``<torch hub dir>/checkpoints/<file name>``, download only when missing,
``$TORCH_HOME`` respected) but read the file with ``weights_only=True``,
like every local checkpoint (see :mod:`.checkpoint_trust`).
"""
import os
import os.path as osp
import re
import sys
from typing import Optional
from urllib.error import URLError
from urllib.parse import urlparse

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_HASH = re.compile(r'-([a-f0-9]{8,})\.')


def checkpoint_cache_path(url: str) -> str:
    """Where MMEngine / torch.hub keep the download of ``url``."""
    return osp.join(torch.hub.get_dir(), 'checkpoints',
                    osp.basename(urlparse(url).path))


def cached_checkpoint(url: str, progress: Optional[bool] = None) -> str:
    """Local path of ``url``'s checkpoint, downloaded into the cache if
    missing (the file name's hash prefix, if any, is checked).

    Raises:
        FileNotFoundError: the download failed (e.g. no network), naming the
            path where a copy fetched elsewhere can be placed.
    """
    path = checkpoint_cache_path(url)
    if osp.isfile(path):
        return path
    os.makedirs(osp.dirname(path), exist_ok=True)
    match = _HASH.search(osp.basename(path))
    sys.stderr.write(f'Downloading: "{url}" to {path}\n')
    try:
        torch.hub.download_url_to_file(
            url, path, hash_prefix=match.group(1) if match else None,
            progress=sys.stderr.isatty() if progress is None else progress)
    except (URLError, OSError, RuntimeError) as err:
        raise FileNotFoundError(
            f'could not download {url} ({err}); without network access, '
            f'download it elsewhere and place it at {path}') from None
    return path


def load_url_weights_only(filename: str, map_location=None):
    """CheckpointLoader scheme for ``http://`` and ``https://``."""
    return torch.load(cached_checkpoint(filename), map_location=map_location,
                      weights_only=True)


def load_torchvision_weights_only(filename: str, map_location=None):
    """CheckpointLoader scheme for ``torchvision://NAME``."""
    from mmengine.runner.checkpoint import get_torchvision_models
    name = filename.split('://', 1)[1]
    urls = get_torchvision_models()
    if name not in urls:
        raise KeyError(f'{filename}: torchvision has no model {name!r}')
    return load_url_weights_only(urls[name], map_location=map_location)


def register_weights_only_url_loaders() -> None:
    """Replace MMEngine's URL loaders by the weights-only ones (idempotent)."""
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=load_url_weights_only,
        force=True)
    CheckpointLoader.register_scheme(
        prefixes=('torchvision://', 'modelzoo://'),
        loader=load_torchvision_weights_only, force=True)

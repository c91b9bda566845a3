"""Shared pytest fixtures."""
import os
import os.path as osp

import pytest


@pytest.fixture(scope='session')
def realdata_dir():
    """The real MMPose sample files (``shared/realdata/mmpose_tests_data``).

    Located through ``INFANT_MMPOSE_REALDATA`` (set by ``make test``); tests
    using it skip with the reason when it is unset or missing.
    """
    root = os.environ.get('INFANT_MMPOSE_REALDATA')
    if not root:
        pytest.skip('INFANT_MMPOSE_REALDATA is not set: no real sample files')
    path = osp.join(root, 'mmpose_tests_data')
    if not osp.isdir(path):
        pytest.skip(f'INFANT_MMPOSE_REALDATA={root} has no mmpose_tests_data/')
    return path

"""Shared pytest fixtures."""
import os
import os.path as osp
import shutil
import tempfile

import pytest

#: The most temporary files one whole run held (measured; pytest.ini keeps
#: only failed tests' folders).
SUITE_PEAK_TEMP_GB = 1.5


def pytest_sessionstart(session):
    """Say so up front when the temporary folder's disk is nearly full: the
    checkpoint-writing tests would otherwise fail deep in ``torch.save``
    (``RuntimeError: ... unexpected pos``)."""
    where = tempfile.gettempdir()
    free_gb = shutil.disk_usage(where).free / 1e9
    if free_gb < 2 * SUITE_PEAK_TEMP_GB:
        reporter = session.config.pluginmanager.get_plugin('terminalreporter')
        message = (f'only {free_gb:.1f} GB free in {where}; the tests write '
                   f'up to about {SUITE_PEAK_TEMP_GB} GB of '
                   'checkpoints there and fail when the disk fills')
        if reporter is not None:
            reporter.write_line(f'WARNING: {message}', yellow=True, bold=True)


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


#: Size of the shared generated MINI-RGBD root (all 12 sequences, tiny).
MINIRGBD_FIXTURE_FRAMES = 3
MINIRGBD_FIXTURE_SEED = 0


@pytest.fixture(scope='session')
def minirgbd_root(tmp_path_factory):
    """A generated MINI-RGBD root: sequences 01..12, 3 frames each, seed 0.

    Shared by the whole session: tests that modify files must copy it first.
    """
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    root = str(tmp_path_factory.mktemp('minirgbd'))
    generate_minirgbd(root, num_sequences=12, num_frames=MINIRGBD_FIXTURE_FRAMES,
                      seed=MINIRGBD_FIXTURE_SEED)
    return root


@pytest.fixture(autouse=True)
def _isolated_default_scope():
    """Undo any MMEngine default scope a test created (a Runner, an
    inferencer or ``init_default_scope`` leave one behind), so that registry
    look-ups in later tests do not depend on test order."""
    from mmengine.registry import DefaultScope
    before = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


@pytest.fixture
def one_torch_thread():
    """Run the test with one torch thread (faster on a shared 2-core CPU),
    restoring the previous count afterwards."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope='session')
def adult_root(tmp_path_factory):
    """A generated raw MPI-INF-3DHP release: S1 (train) and S7 (val), 2
    frames per camera."""
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    root = str(tmp_path_factory.mktemp('adult'))
    generate_mpi_inf_3dhp(root, subjects=(1, 7), num_frames=2, seed=0)
    return root


@pytest.fixture(scope='session')
def qs_ckpt(tmp_path_factory):
    """Untrained, seeded checkpoints of the quickstart detector, 2D model and
    lifter (``configs/quickstart``), 2D and lifter in MPII-16: paths keyed
    ``detector`` / ``pose2d`` / ``lifter``. Shared by the inferencer tests."""
    from infant_mmpose.testing.untrained_checkpoint import \
        save_untrained_checkpoint
    from infant_mmpose.structures.keypoint_definitions import get_definition
    from infant_mmpose.utils import config_path
    out = tmp_path_factory.mktemp('quickstart_ckpt')
    mpii = get_definition('mpii16')
    cfg = {k: config_path(f'quickstart/{k}.py')
           for k in ('detector', 'pose2d', 'lifter')}
    return dict(
        detector=save_untrained_checkpoint(cfg['detector'], str(out / 'det.pth')),
        pose2d=save_untrained_checkpoint(cfg['pose2d'], str(out / 'pose2d.pth'),
                                         dataset_meta=mpii),
        lifter=save_untrained_checkpoint(cfg['lifter'], str(out / 'lifter.pth'),
                                         dataset_meta=mpii))


@pytest.fixture(scope='session')
def make_qs_inferencer(qs_ckpt):
    """``make(**kwargs)``: an ``InfantPoseInferencer`` of the quickstart
    configs with the :func:`qs_ckpt` checkpoints on the CPU, no progress bar
    (``kwargs`` e.g. ``backend='onnxruntime'``)."""
    from infant_mmpose.apis import InfantPoseInferencer
    from infant_mmpose.utils import config_path
    cfg = {k: config_path(f'quickstart/{k}.py')
           for k in ('detector', 'pose2d', 'lifter')}

    def make(**kwargs):
        return InfantPoseInferencer(
            cfg['lifter'], qs_ckpt['lifter'], cfg['pose2d'], qs_ckpt['pose2d'],
            cfg['detector'], qs_ckpt['detector'], device='cpu',
            show_progress=False, **kwargs)
    return make

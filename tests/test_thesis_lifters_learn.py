"""Every thesis lifter config learns: trained briefly from scratch on
generated data it beats the mean-pose baseline by a clear margin.

The configs are trained as shipped (architecture, codec, loss, optimiser,
learning-rate schedule, no max-norm), with the generated data, no
pre-trained weights and a short schedule: SCHEDULE_EPOCHS epochs of 5
batches of 64 (the MPI-INF-3DHP pre-training configs at the MINI-RGBD
stages' learning rate, LR_3DHP; at their own 1e-3 they need about ten times
the iterations, see configs/README.md). The functions are those of
``benchmarks/bench_thesis_lifters.py``, which prints the same comparison
for the max-norm variants.
"""
import importlib.util
import os.path as osp

import pytest

from infant_mmpose.utils import PROJECT_ROOT

SCHEDULE_EPOCHS = 20
LR_3DHP = 1e-2
#: trained AJPE must be below this share of the mean-pose AJPE. The
#: generated adults turn freely about the vertical, so from 320 training
#: poses the 3DHP lifters learn less in 100 steps (measured 0.76 for
#: martinez_mpi-inf-3dhp.py; the MINI-RGBD ground-truth-2D lifter 0.38,
#: 0.82 with the row max-norm).
CLEAR_MARGIN = {'mpi-inf-3dhp': 0.85, 'minirgbd': 0.6}

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def _bench():
    path = osp.join(PROJECT_ROOT, 'benchmarks', 'bench_thesis_lifters.py')
    spec = importlib.util.spec_from_file_location('bench_thesis_lifters',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()


@pytest.fixture(scope='module')
def generated(tmp_path_factory):
    return BENCH.make_data(str(tmp_path_factory.mktemp('lifter_data')),
                           frames=40, adult_frames=40)


def _lr(config):
    return LR_3DHP if 'mpi-inf-3dhp' in config else None


@pytest.mark.parametrize('config', BENCH.THESIS_LIFTERS)
def test_thesis_lifter_config_beats_the_mean_pose(config, generated,
                                                  tmp_path):
    result = BENCH.train_and_score(config, generated, str(tmp_path / 'work'),
                                   SCHEDULE_EPOCHS, 'none', _lr(config))
    assert result['mean_pose'] > 50.0  # a baseline worth beating
    margin = CLEAR_MARGIN['mpi-inf-3dhp' if 'mpi-inf-3dhp' in config
                          else 'minirgbd']
    assert result['trained'] < margin * result['mean_pose'], result


def test_row_max_norm_on_millimetres_does_not_learn(generated, tmp_path):
    """The constraint the thesis configs dropped: per-row max-norm <= 1 on
    raw-millimetre targets keeps the same schedule near the mean pose (so
    the test above can fail)."""
    config = 'lifter/martinez_minirgbd-gt2d.py'
    result = BENCH.train_and_score(config, generated, str(tmp_path / 'work'),
                                   SCHEDULE_EPOCHS, 'row')
    assert result['trained'] > 0.7 * result['mean_pose'], result

"""A real ``tools/test.py`` evaluation with the registered metrics.

Two randomly initialised models are evaluated on the generated MINI-RGBD
test sequences: a tiny top-down model (the project's MINI-RGBD 2D config
with a ResNet-18 at 64x64 input) and the project's Martinez lifter (GT 2D
input). The reported metrics are checked against a NumPy recomputation
from the predictions ``tools/test.py --dump`` wrote, and the MMEngine
results file is fed to the report tool.
"""
import csv
import glob
import json
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from infant_mmpose.visualization import report
from infant_mmpose.utils import PROJECT_ROOT, config_path

CONFIG = '''
_base_ = [{base!r}]
custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)
codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16),
             sigma=1)
model = dict(
    backbone=dict(depth=18, init_cfg=None),
    head=dict(in_channels=512, deconv_out_channels=(16, 16, 16),
              deconv_kernel_sizes=(4, 4, 4), decoder=codec))
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys={meta_keys!r})
]
test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={root!r}, bbox_file=None,
                 pipeline=val_pipeline))
# MMEngine's EarlyStoppingHook (in the base config) builds the training loop,
# and so the training data set, even when only testing
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={root!r}))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={root!r}, pipeline=val_pipeline))
'''


LIFTER_CONFIG = '''
_base_ = [{base!r}]
_loader = dict(num_workers=0, persistent_workers=False, batch_size=4,
               dataset=dict(data_root={root!r}))
train_dataloader = _loader
val_dataloader = _loader
test_dataloader = _loader
'''


def run_tools_test(config_text, tmp):
    """Save a randomly initialised checkpoint of the config's model, run
    ``tools/test.py --dump`` in a subprocess; return the metrics JSON that
    MMEngine wrote, the dumped data samples and the work dir."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    cfg_file = str(tmp / 'config.py')
    with open(cfg_file, 'w') as f:
        f.write(config_text)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(cfg_file).model)
    checkpoint = str(tmp / 'random_init.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)

    work_dir, dump = str(tmp / 'work_dir'), str(tmp / 'predictions.pkl')
    proc = subprocess.run(
        [sys.executable, osp.join(PROJECT_ROOT, 'tools', 'test.py'),
         cfg_file, checkpoint, '--work-dir', work_dir, '--dump', dump],
        cwd=str(tmp), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = [
        r for r in glob.glob(osp.join(work_dir, '*', '*.json'))
        if osp.basename(r)[:-5] == osp.basename(osp.dirname(r))
    ]
    assert len(results) == 1, results
    with open(results[0]) as f:
        metrics = json.load(f)
    with open(dump, 'rb') as f:
        samples = pickle.load(f)
    return dict(metrics=metrics, samples=samples, work_dir=work_dir,
                tmp=tmp)


@pytest.fixture(scope='module')
def tested(minirgbd_root, tmp_path_factory):
    """The 2D model evaluated by tools/test.py."""
    from mmengine.config import Config
    base = config_path('pose2d/td-hm_res50_minirgbd-256x256.py')
    meta_keys = Config.fromfile(base).meta_keys
    return run_tools_test(
        CONFIG.format(base=base, meta_keys=meta_keys, root=minirgbd_root),
        tmp_path_factory.mktemp('tools_test_2d'))


@pytest.fixture(scope='module')
def lifter_tested(minirgbd_root, tmp_path_factory):
    """The 3D lifter (GT 2D input) evaluated by tools/test.py."""
    return run_tools_test(
        LIFTER_CONFIG.format(
            base=config_path('lifter/martinez_minirgbd-gt2d.py'),
            root=minirgbd_root), tmp_path_factory.mktemp('tools_test_3d'))


def _mpii16_names():
    from infant_mmpose.structures.keypoint_definitions import get_definition
    meta = get_definition('mpii16')
    return [meta['keypoint_id2name'][i] for i in range(16)]


def test_reported_keys(tested):
    metrics = tested['metrics']
    names = _mpii16_names()
    for key in ('PCKh@1.0', 'PCKh@2.0', 'AJPE'):
        assert key in metrics
    per_joint = [k for k in metrics if k.startswith('PCKh@1.0/')]
    assert per_joint and all(k.split('/', 1)[1] in names for k in per_joint)
    assert 0.0 <= metrics['PCKh@1.0'] <= metrics['PCKh@2.0'] <= 100.0
    assert np.isfinite(metrics['AJPE']) and metrics['AJPE'] > 0
    # the generated test sequences 11 and 12, 3 frames each
    assert len(tested['samples']) == 6


def test_values_match_numpy_on_the_dumped_predictions(tested):
    metrics, samples = tested['metrics'], tested['samples']
    names = _mpii16_names()
    pred = np.stack([np.asarray(s['pred_instances']['keypoints'])[0]
                     for s in samples])
    gt = np.stack([np.asarray(s['gt_instances']['keypoints'])[0]
                   for s in samples])
    visible = np.stack([
        np.asarray(s['gt_instances']['keypoints_visible']).reshape(-1) > 0
        for s in samples])
    head = np.array([
        float(np.asarray(s['gt_instances']['head_size']).reshape(-1)[0])
        for s in samples])
    # each test sequence's 2D head length is used for its own frames
    sequences = np.array([s['sequence'] for s in samples])
    assert set(sequences) == {11, 12}
    for seq in (11, 12):
        assert len(set(head[sequences == seq])) == 1

    dist = np.linalg.norm(pred - gt, axis=-1)
    assert metrics['AJPE'] == pytest.approx(dist[visible].mean(), rel=1e-6)
    for factor in (1.0, 2.0):
        per_joint = {}
        for k, name in enumerate(names):
            if visible[:, k].any():
                ok = dist[visible[:, k], k] <= factor * head[visible[:, k]]
                per_joint[name] = 100.0 * ok.mean()
        assert metrics[f'PCKh@{factor}'] == pytest.approx(
            np.mean(list(per_joint.values())), rel=1e-6)
        for name, value in per_joint.items():
            assert metrics[f'PCKh@{factor}/{name}'] == pytest.approx(value)


def test_report_reads_the_real_results_file(tested):
    out = str(tested['tmp'] / 'report')
    written = report.make_report({'pose2d': tested['work_dir']}, {}, out)
    with open(written['table_stages.csv'], newline='') as f:
        rows = {(r[0], r[1]): r[2:] for r in csv.reader(f)}
    thesis, run = rows[('2D pose (SimpleBaseline)', 'PCKh 1.0/%')]
    assert thesis == '93.77'
    assert run == f"{tested['metrics']['PCKh@1.0']:.2f}"
    assert osp.isfile(written['per_joint_pckh_2d'])


def test_lifter_values_match_numpy_on_the_dumped_predictions(lifter_tested):
    """AJPE, PCKh and PCK@150mm of the lifter, pelvis-centred, in mm."""
    metrics, samples = lifter_tested['metrics'], lifter_tested['samples']
    names = _mpii16_names()
    pelvis = names.index('pelvis')
    pred = np.stack([np.asarray(s['pred_instances']['keypoints']).reshape(
        16, 3) for s in samples])
    gt = np.stack([np.asarray(s['gt_instances']['lifting_target']).reshape(
        16, 3) for s in samples])
    visible = np.stack([np.asarray(
        s['gt_instances']['lifting_target_visible']).reshape(-1) > 0
        for s in samples])
    head = np.array([float(np.asarray(s['head_size']).reshape(-1)[0])
                     for s in samples])
    dist = np.linalg.norm((pred - pred[:, pelvis:pelvis + 1]) -
                          (gt - gt[:, pelvis:pelvis + 1]), axis=-1)

    def pck(thresholds, zero_correct=True):
        # zero_correct=False: the thesis's PCKh rule 0 < distance <= thr
        per_joint = {}
        for k, name in enumerate(names):
            rows = visible[:, k]
            if rows.any():
                thr = np.broadcast_to(thresholds, rows.shape)[rows]
                ok = dist[rows, k] <= thr
                if not zero_correct:
                    ok &= dist[rows, k] > 0
                per_joint[name] = 100.0 * np.mean(ok)
        return np.mean(list(per_joint.values())), per_joint

    assert metrics['AJPE'] == pytest.approx(dist[visible].mean(), rel=1e-5)
    assert metrics['AJPE/pelvis'] == 0.0
    for factor in (1.0, 2.0):
        overall, per_joint = pck(factor * head, zero_correct=False)
        assert metrics[f'PCKh@{factor}'] == pytest.approx(overall)
        assert metrics[f'PCKh@{factor}/left_wrist'] == pytest.approx(
            per_joint['left_wrist'])
        assert metrics[f'PCKh@{factor}/pelvis'] == 0.0  # thesis rule
    assert metrics['PCKh_zero_error_correct'] == 0.0
    overall, per_joint = pck(150.0)
    assert metrics['PCK@150mm'] == pytest.approx(overall)
    assert metrics['AUC'] == pytest.approx(
        np.mean([pck(float(t))[0] for t in range(0, 151, 5)]))
    assert len(samples) == 6

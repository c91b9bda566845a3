"""The registered metrics against independent NumPy computations, MMPose's
own evaluators where the definitions coincide, and boundary cases."""
import os.path as osp

import mmpose
import numpy as np
import pytest
import torch
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.dataset import pseudo_collate
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import METRICS, MODELS, TRANSFORMS
from mmpose.structures import PoseDataSample

import infant_mmpose  # noqa: F401  (registers the metrics)

K = 16
PELVIS = 6  # in MPII 16
# MMPose's own MPII metainfo, from its installed configs
MPII_META = parse_pose_metainfo(dict(from_file=osp.join(
    osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_', 'datasets',
    'mpii.py')))
MPII_NAMES = [MPII_META['keypoint_id2name'][i] for i in range(K)]
# per-sequence head lengths of the test sequences (FACTS §1)
HEAD_PX = {11: 12.17, 12: 13.93}
HEAD_MM = {11: 28.6, 12: 30.1}


# --------------------------------------------------------------- helpers
def pose_sample(pred, gt, visible, head_size=None, mode='2d', meta=None):
    """One data sample as MMEngine's Evaluator hands it to a metric
    (``PoseDataSample.to_dict()``)."""
    sample = PoseDataSample(metainfo=dict(meta or {}))
    gt_instances = InstanceData()
    if mode == '2d':
        gt_instances.keypoints = gt[None]
        gt_instances.keypoints_visible = visible[None].astype(np.float32)
    else:
        gt_instances.lifting_target = gt[None]
        gt_instances.lifting_target_visible = visible[None].astype(
            np.float32)
    if head_size is not None:
        gt_instances.head_size = np.array([head_size])
    sample.gt_instances = gt_instances
    sample.pred_instances = InstanceData(keypoints=pred[None])
    return sample.to_dict()


def evaluate(metric, samples, meta=MPII_META):
    metric.dataset_meta = meta
    metric.process([], samples)
    return metric.evaluate(len(samples))


def random_poses(rng, n, dims=2, noise=10.0, scale=256.0, p_invisible=0.2):
    gt = rng.uniform(0, scale, (n, K, dims))
    pred = gt + rng.normal(0, noise, (n, K, dims))
    visible = rng.random((n, K)) > p_invisible
    return pred, gt, visible


def numpy_pck(pred, gt, visible, thresholds, inclusive=True,
              zero_correct=True):
    """Independent PCK: loop over joints, % correct among visible ones,
    then the mean over joints that were visible at least once.
    ``zero_correct=False``: the thesis's ``0 < distance`` rule."""
    per_joint = {}
    for k in range(pred.shape[1]):
        rows = np.flatnonzero(visible[:, k])
        if rows.size == 0:
            continue
        dist = np.sqrt(((pred[rows, k] - gt[rows, k])**2).sum(axis=1))
        thr = np.broadcast_to(thresholds, (pred.shape[0], ))[rows]
        ok = dist <= thr if inclusive else dist < thr
        if not zero_correct:
            ok = ok & (dist != 0)
        per_joint[k] = 100.0 * ok.sum() / rows.size
    overall = sum(per_joint.values()) / len(per_joint) if per_joint else None
    return overall, per_joint


def centred(x, root=PELVIS):
    return x - x[:, root:root + 1]


# --------------------------------------------------------------- HeadPCK
def test_headpck_2d_random_with_sequence_thresholds():
    rng = np.random.default_rng(0)
    pred, gt, visible = random_poses(rng, 40)
    sequences = rng.choice([11, 12], 40)
    head = np.array([HEAD_PX[s] for s in sequences])
    samples = [
        pose_sample(pred[i], gt[i], visible[i], head[i])
        for i in range(40)
    ]
    result = evaluate(METRICS.build(dict(type='HeadPCK')), samples)
    for factor in (1.0, 2.0):
        overall, per_joint = numpy_pck(pred, gt, visible, factor * head)
        assert 30 < overall < 100  # the noise makes a non-trivial case
        assert result[f'PCKh@{factor}'] == pytest.approx(overall)
        for k, value in per_joint.items():
            assert result[f'PCKh@{factor}/{MPII_NAMES[k]}'] == \
                pytest.approx(value)
    assert len(result) == 2 * (K + 1) + 1
    assert result['PCKh_zero_error_correct'] == 0.0  # the thesis's rule


def test_headpck_sequence_specific_threshold():
    """The same 13 px error is correct in sequence 12 (13.93 px head) and
    wrong in sequence 11 (12.17 px)."""
    gt = np.zeros((K, 2)) + 100
    pred = gt + [13.0, 0.0]
    visible = np.ones(K, bool)
    samples = [pose_sample(pred, gt, visible, HEAD_PX[s]) for s in (11, 12)]
    result = evaluate(METRICS.build(dict(type='HeadPCK', factors=[1.0])),
                      samples)
    assert result['PCKh@1.0'] == pytest.approx(50.0)
    assert result[f'PCKh@1.0/{MPII_NAMES[15]}'] == pytest.approx(50.0)


def test_headpck_error_exactly_at_threshold_counts_unlike_mmpose():
    """Thesis: error <= threshold is correct; MMPose's PCKAccuracy uses <."""
    gt = np.arange(2 * K, dtype=np.float64).reshape(K, 2) * 7
    pred_on = gt + [3.0, 4.0]  # error exactly 5.0
    pred_out = gt + [3.0, 4.0 + 1e-6]  # just beyond
    visible = np.ones(K, bool)
    ours = evaluate(METRICS.build(dict(type='HeadPCK', factors=[1.0, 2.0])),
                    [pose_sample(pred_on, gt, visible, 5.0)])
    assert ours['PCKh@1.0'] == 100.0 and ours['PCKh@2.0'] == 100.0
    beyond = evaluate(METRICS.build(dict(type='HeadPCK', factors=[1.0])),
                      [pose_sample(pred_out, gt, visible, 5.0)])
    assert beyond['PCKh@1.0'] == 0.0
    mmpose = evaluate(
        METRICS.build(dict(type='PCKAccuracy', thr=1.0, norm_item='head')),
        [pose_sample(pred_on, gt, visible, 5.0)])
    assert mmpose['PCKh'] == 0.0


def test_headpck_agrees_with_mmpose_pckaccuracy_without_ties():
    rng = np.random.default_rng(1)
    pred, gt, visible = random_poses(rng, 30)
    head = rng.uniform(8, 14, 30)
    samples = [
        pose_sample(pred[i], gt[i], visible[i], head[i]) for i in range(30)
    ]
    ours = evaluate(METRICS.build(dict(type='HeadPCK', factors=[0.5, 1.5])),
                    samples)
    for thr in (0.5, 1.5):
        theirs = evaluate(
            METRICS.build(dict(type='PCKAccuracy', thr=thr,
                               norm_item='head')), samples)
        # MMPose reports a fraction, we report percent
        assert ours[f'PCKh@{thr}'] == pytest.approx(100 * theirs['PCKh'])


def test_headpck_invisible_joints_and_all_invisible():
    rng = np.random.default_rng(2)
    pred, gt, visible = random_poses(rng, 10, p_invisible=0.0)
    visible[:, 3] = False  # l_hip never visible (e.g. outside the image)
    samples = [pose_sample(pred[i], gt[i], visible[i], 12.0)
               for i in range(10)]
    result = evaluate(METRICS.build(dict(type='HeadPCK')), samples)
    overall, per_joint = numpy_pck(pred, gt, visible, 12.0)
    assert 3 not in per_joint and f'PCKh@1.0/{MPII_NAMES[3]}' not in result
    assert result['PCKh@1.0'] == pytest.approx(overall)
    # a huge error on the invisible joint changes nothing
    pred[:, 3] += 1e4
    again = evaluate(METRICS.build(dict(type='HeadPCK')), [
        pose_sample(pred[i], gt[i], visible[i], 12.0) for i in range(10)])
    assert again['PCKh@1.0'] == result['PCKh@1.0']

    nothing = evaluate(METRICS.build(dict(type='HeadPCK')), [
        pose_sample(pred[i], gt[i], np.zeros(K, bool), 12.0)
        for i in range(3)])
    assert np.isnan(nothing['PCKh@1.0']) and np.isnan(nothing['PCKh@2.0'])
    assert set(nothing) == {'PCKh@1.0', 'PCKh@2.0', 'PCKh_zero_error_correct'}


def test_headpck_joint_names_fall_back_without_metainfo():
    gt = np.zeros((K, 2))
    pred = gt + [0.0, 0.5]
    result = evaluate(METRICS.build(dict(type='HeadPCK', factors=[1.0])),
                      [pose_sample(pred, gt, np.ones(K, bool), 1.0)],
                      meta=None)
    assert result['PCKh@1.0/joint_15'] == 100.0


def test_headpck_bad_input_errors():
    pred = gt = np.zeros((K, 2))
    visible = np.ones(K, bool)
    metric = METRICS.build(dict(type='HeadPCK'))
    with pytest.raises(KeyError, match='head_size'):
        metric.process([], [pose_sample(pred, gt, visible, None,
                                        meta=dict(img_path='x.png'))])
    with pytest.raises(ValueError, match='positive'):
        metric.process([], [pose_sample(pred, gt, visible, 0.0)])
    with pytest.raises(ValueError, match='does not match'):
        metric.process([], [pose_sample(np.zeros((K - 1, 2)), gt, visible,
                                        1.0)])
    with pytest.raises(ValueError, match='one value per joint'):
        metric.process([], [pose_sample(pred, gt, np.ones(K + 1, bool),
                                        1.0)])
    with pytest.raises(ValueError, match="'2d' or '3d'"):
        METRICS.build(dict(type='HeadPCK', mode='xyz'))
    with pytest.raises(ValueError, match='factors'):
        METRICS.build(dict(type='HeadPCK', factors=[]))
    with pytest.raises(ValueError, match='non-finite'):
        metric.process([], [pose_sample(pred, gt + np.nan, visible, 1.0)])


# ---------------------------------------------- 3D through a real lifter
@pytest.fixture(scope='module')
def lifter_outputs():
    """Data samples from a real (randomly initialised) MMPose PoseLifter:
    predictions are absolute because the pipeline packs ``target_root``,
    and the head length travels in the metainfo because the lifting codec
    replaces the packed instance fields."""
    torch.manual_seed(0)
    codec = dict(type='ImagePoseLifting', num_keypoints=K,
                 root_index=PELVIS, remove_root=False)
    model = MODELS.build(dict(
        type='PoseLifter',
        backbone=dict(type='TCN', in_channels=2 * K, stem_channels=32,
                      num_blocks=1, kernel_sizes=(1, 1), dropout=0.0),
        head=dict(type='TemporalRegressionHead', in_channels=32,
                  num_joints=K, loss=dict(type='MSELoss'), decoder=codec)))
    model.eval()
    generate = TRANSFORMS.build(dict(type='GenerateTarget', encoder=codec))
    pack = TRANSFORMS.build(dict(
        type='PackPoseInputs',
        meta_keys=('id', 'target_img_path', 'target_root', 'head_size')))
    rng = np.random.default_rng(3)
    packed = []
    for i in range(12):
        sequence = 11 + i % 2
        target = rng.normal(0, 80, (1, K, 3)) + [0, 0, 900]
        visible = np.ones((1, K), np.float32)
        visible[0, 10] = float(i % 3 != 0)  # r_wrist sometimes unlabelled
        results = dict(
            id=i, target_img_path=[f'{sequence}/{i:05d}.png'],
            keypoints=rng.uniform(0, 640, (1, K, 2)).astype(np.float32),
            keypoints_visible=np.ones((1, K), np.float32),
            lifting_target=target.astype(np.float32),
            lifting_target_visible=visible,
            head_size=HEAD_MM[sequence])
        packed.append(pack(generate(results)))
    with torch.no_grad():
        outputs = model.test_step(pseudo_collate(packed))
    return [o.to_dict() for o in outputs]


def _lifter_arrays(samples):
    pred = np.stack([s['pred_instances']['keypoints'].reshape(K, 3)
                     for s in samples])
    gt = np.stack([s['gt_instances']['lifting_target'].reshape(K, 3)
                   for s in samples])
    visible = np.stack([
        s['gt_instances']['lifting_target_visible'].reshape(K) > 0
        for s in samples])
    head = np.array([s['head_size'] for s in samples], dtype=np.float64)
    return pred, gt, visible, head


def test_lifter_conventions(lifter_outputs):
    pred, gt, _, head = _lifter_arrays(lifter_outputs)
    assert 'head_size' not in lifter_outputs[0]['gt_instances']
    assert set(head) == set(HEAD_MM.values())
    # the root the head adds back to its pelvis-relative output is the true
    # pelvis, so predictions and lifting_target are both absolute
    roots = np.stack([s['target_root'].reshape(3) for s in lifter_outputs])
    np.testing.assert_allclose(roots, gt[:, PELVIS], rtol=1e-6)
    assert pred.shape == gt.shape


@pytest.mark.parametrize('zero_correct', [False, True])
def test_headpck_3d_pelvis_centred(lifter_outputs, zero_correct):
    pred, gt, visible, head = _lifter_arrays(lifter_outputs)
    cfg = dict(type='HeadPCK', mode='3d', root_index=PELVIS,
               factors=[1.0, 2.0, 6.0])
    if zero_correct:
        cfg['zero_error_correct'] = True
    result = evaluate(METRICS.build(cfg), lifter_outputs)
    for factor in (1.0, 2.0, 6.0):
        overall, per_joint = numpy_pck(centred(pred), centred(gt), visible,
                                       factor * head,
                                       zero_correct=zero_correct)
        assert result[f'PCKh@{factor}'] == pytest.approx(overall)
        for k, value in per_joint.items():
            assert result[f'PCKh@{factor}/{MPII_NAMES[k]}'] == \
                pytest.approx(value)
    # zero error after centring: the thesis (default) never counts the
    # pelvis, the other convention always does
    assert result['PCKh@1.0/pelvis'] == (100.0 if zero_correct else 0.0)
    assert result['PCKh_zero_error_correct'] == float(zero_correct)


def test_headpck_conventions_differ_by_the_roots_share_only(lifter_outputs):
    """Every joint visible in every sample: the two conventions differ by
    exactly 100 / 16 points (the pelvis), for any factor."""
    samples = []
    for s in lifter_outputs:
        s = dict(s, gt_instances=dict(s['gt_instances']))
        s['gt_instances']['lifting_target_visible'] = np.ones((1, K))
        samples.append(s)
    build = dict(type='HeadPCK', mode='3d', root_index=PELVIS,
                 factors=[1.0, 1e4])
    thesis = evaluate(METRICS.build(build), samples)
    other = evaluate(METRICS.build(dict(build, zero_error_correct=True)),
                     samples)
    for factor in (1.0, 1e4):
        key = f'PCKh@{factor}'
        assert other[key] - thesis[key] == pytest.approx(100.0 / K)
    # a huge threshold: every joint but the pelvis is correct
    assert thesis['PCKh@10000.0'] == pytest.approx(100.0 * (K - 1) / K)


def test_ajpe_3d_matches_numpy_and_mmpose_mpjpe(lifter_outputs):
    pred, gt, visible, _ = _lifter_arrays(lifter_outputs)
    ours = evaluate(METRICS.build(dict(type='AJPE', mode='3d')),
                    lifter_outputs)
    theirs = evaluate(METRICS.build(dict(type='SimpleMPJPE')),
                      lifter_outputs)
    assert ours['AJPE'] == pytest.approx(theirs['MPJPE'])
    dist = np.linalg.norm(pred - gt, axis=-1)
    assert ours['AJPE'] == pytest.approx(dist[visible].mean())

    centred_result = evaluate(
        METRICS.build(dict(type='AJPE', mode='3d', root_index=PELVIS)),
        lifter_outputs)
    dist = np.linalg.norm(centred(pred) - centred(gt), axis=-1)
    assert centred_result['AJPE'] == pytest.approx(dist[visible].mean())
    assert centred_result[f'AJPE/{MPII_NAMES[10]}'] == pytest.approx(
        dist[visible[:, 10], 10].mean())
    assert centred_result['AJPE/pelvis'] == 0.0


def test_pck3d_matches_numpy(lifter_outputs):
    pred, gt, visible, _ = _lifter_arrays(lifter_outputs)
    # shrink the random lifter's errors so they spread around 150 mm
    gap = centred(pred) - centred(gt)
    pred = gt + gap * 150.0 / np.median(np.linalg.norm(gap, axis=-1))
    samples = [dict(s, pred_instances=dict(keypoints=p[None]))
               for s, p in zip(lifter_outputs, pred)]
    result = evaluate(METRICS.build(dict(type='PCK3D', root_index=PELVIS)),
                      samples)
    pc, gc = centred(pred), centred(gt)
    overall, per_joint = numpy_pck(pc, gc, visible, 150.0)
    assert 10 < overall < 100
    assert result['PCK@150mm'] == pytest.approx(overall)
    for k, value in per_joint.items():
        assert result[f'PCK@150mm/{MPII_NAMES[k]}'] == pytest.approx(value)
    curve = [numpy_pck(pc, gc, visible, t)[0] for t in range(0, 151, 5)]
    assert len(curve) == 31
    assert result['AUC'] == pytest.approx(np.mean(curve))


def test_pck3d_threshold_boundary_and_inclusive_option():
    gt = np.zeros((K, 3))
    pred = gt.copy()
    pred[:, 0] = 90.0
    pred[:, 1] = 120.0  # every error exactly 150 mm
    visible = np.ones(K, bool)
    sample = pose_sample(pred, gt, visible, mode='3d')
    inclusive = evaluate(METRICS.build(dict(type='PCK3D')), [sample])
    strict = evaluate(METRICS.build(dict(type='PCK3D', inclusive=False)),
                      [sample])
    assert inclusive['PCK@150mm'] == 100.0 and strict['PCK@150mm'] == 0.0
    # only the last AUC threshold (150) is reached
    assert inclusive['AUC'] == pytest.approx(100.0 / 31)
    assert strict['AUC'] == 0.0
    hidden = evaluate(METRICS.build(dict(type='PCK3D')), [
        pose_sample(pred, gt, np.zeros(K, bool), mode='3d')])
    assert set(hidden) == {'PCK@150mm', 'AUC'}
    assert np.isnan(hidden['PCK@150mm']) and np.isnan(hidden['AUC'])


# ------------------------------------------------------------------ AJPE
def test_ajpe_2d_matches_numpy_and_mmpose_epe():
    rng = np.random.default_rng(4)
    pred, gt, visible = random_poses(rng, 25)
    samples = [pose_sample(pred[i], gt[i], visible[i]) for i in range(25)]
    result = evaluate(METRICS.build(dict(type='AJPE')), samples)
    dist = np.sqrt(((pred - gt)**2).sum(-1))
    assert result['AJPE'] == pytest.approx(dist[visible].mean())
    for k in range(K):
        assert result[f'AJPE/{MPII_NAMES[k]}'] == pytest.approx(
            dist[visible[:, k], k].mean())
    epe = evaluate(METRICS.build(dict(type='EPE')), samples)
    assert result['AJPE'] == pytest.approx(epe['EPE'])


def test_ajpe_all_invisible_and_root_index_only_in_3d():
    zeros = np.zeros((K, 2))
    result = evaluate(METRICS.build(dict(type='AJPE')),
                      [pose_sample(zeros, zeros, np.zeros(K, bool))])
    assert np.isnan(result['AJPE']) and list(result) == ['AJPE']
    with pytest.raises(ValueError, match="mode='3d'"):
        METRICS.build(dict(type='AJPE', root_index=6))
    with pytest.raises(ValueError, match='target_root'):
        METRICS.build(dict(type='AJPE', mode='3d')).process([], [
            pose_sample(np.zeros((K - 1, 3)), np.zeros((K, 3)),
                        np.ones(K, bool), mode='3d')])
    with pytest.raises(KeyError, match='lifting_target'):
        METRICS.build(dict(type='AJPE', mode='3d')).process(
            [], [pose_sample(zeros, zeros, np.ones(K, bool))])


# ---------------------------------------------------------------- BoxIoU
def numpy_iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def det_sample(gt_box, boxes, scores, img_id):
    sample = DetDataSample(metainfo=dict(img_id=img_id,
                                         ori_shape=(480, 640)))
    sample.gt_instances = InstanceData(
        bboxes=HorizontalBoxes(torch.tensor([gt_box], dtype=torch.float32)),
        labels=torch.zeros(1, dtype=torch.long))
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor(scores, dtype=torch.float32),
        labels=torch.zeros(len(scores), dtype=torch.long))
    return sample.to_dict()


def test_box_iou_matches_numpy():
    rng = np.random.default_rng(5)
    samples, ious = [], []
    for i in range(30):
        x1, y1 = rng.uniform(0, 300, 2)
        gt = [x1, y1, x1 + rng.uniform(80, 300), y1 + rng.uniform(80, 200)]
        if i % 10 == 0:  # no detection at all -> IoU 0
            samples.append(det_sample(gt, np.zeros((0, 4)), [], i))
            ious.append(0.0)
            continue
        boxes = np.array(gt) + rng.normal(0, 25, (3, 4))
        scores = rng.random(3)
        samples.append(det_sample(gt, boxes, scores, i))
        ious.append(numpy_iou(boxes[scores.argmax()], gt))
    metric = MMDET_METRICS.build(dict(_scope_='mmdet', type='BoxIoU'))
    result = evaluate(metric, samples, meta=None)
    ious = np.array(ious)
    assert result['mIoU'] == pytest.approx(100 * ious.mean(), rel=1e-5)
    assert result['IoU_below_0.7'] == pytest.approx(
        100 * (ious < 0.7).mean())
    assert 0 < result['IoU_below_0.7'] < 100
    assert result['no_detection'] == pytest.approx(10.0)


def test_box_iou_score_threshold_and_missing_gt():
    gt = [10, 10, 110, 110]
    samples = [
        det_sample(gt, [[10, 10, 110, 110], [60, 10, 160, 110]], [0.3, 0.9],
                   0)
    ]
    top_scoring = evaluate(MMDET_METRICS.build(dict(_scope_='mmdet', type='BoxIoU')),
                           samples, meta=None)
    assert top_scoring['mIoU'] == pytest.approx(100 * 50 / 150)
    none_left = evaluate(
        MMDET_METRICS.build(dict(_scope_='mmdet', type='BoxIoU', score_thr=0.95)), samples,
        meta=None)
    assert none_left == {'mIoU': 0.0, 'IoU_below_0.7': 100.0,
                         'no_detection': 100.0}
    bare = samples[0].copy()
    bare['gt_instances'] = {}
    with pytest.raises(KeyError, match='LoadAnnotations'):
        MMDET_METRICS.build(dict(_scope_='mmdet', type='BoxIoU')).process([], [bare])


def test_box_iou_reads_the_detector_test_pipeline(minirgbd_root, tmp_path):
    """The detector config's test pipeline loads annotations after Resize, so
    gt_instances.bboxes stay in original-image pixels -- where detectors
    report their boxes: predicting each image's COCO box scores 100 %. With
    the annotations loaded before a resize (the documented pitfall) they
    would not match."""
    from mmdet.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from infant_mmpose.fileio.minirgbd_coco import convert_minirgbd_to_coco
    from infant_mmpose.utils import config_path

    ann_file = str(tmp_path / 'test.json')
    coco = convert_minirgbd_to_coco(minirgbd_root, 'test', ann_file)
    boxes = {a['image_id']: a['bbox'] for a in coco['annotations']}
    cfg = Config.fromfile(
        config_path('detector/faster-rcnn_r50_fpn_minirgbd.py'))
    pipeline = [dict(step) for step in cfg.test_pipeline]
    assert [s['type'] for s in pipeline[1:3]] == ['Resize', 'LoadAnnotations']
    pipeline[1]['scale'] = (320, 240)  # half size: Resize really rescales
    init_default_scope('mmdet')

    def miou(steps):
        dataset = DATASETS.build(dict(
            type='CocoDataset', data_root=minirgbd_root, ann_file=ann_file,
            data_prefix=dict(img=''), metainfo=cfg.metainfo,
            pipeline=steps, test_mode=True))
        samples = []
        for i in range(len(dataset)):
            sample = dataset[i]['data_samples']
            x, y, w, h = boxes[sample.img_id]
            sample.pred_instances = InstanceData(
                bboxes=torch.tensor([[x, y, x + w, y + h]]),
                scores=torch.ones(1), labels=torch.zeros(1, dtype=torch.long))
            samples.append(sample.to_dict())
        assert len(samples) == 6
        return evaluate(MMDET_METRICS.build(dict(_scope_='mmdet', type='BoxIoU')), samples,
                        meta=None)['mIoU']

    assert miou(pipeline) == pytest.approx(100.0)
    assert miou([pipeline[0], pipeline[2], pipeline[1], pipeline[3]]) < 50

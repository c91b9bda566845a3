"""Keypoint definitions, mapping tables and the KeypointMapping transform.

The expected correspondences are written here by *joint name* (from the
thesis / FACTS section 2), independently of the index tables in
``keypoint_definitions``, so a wrong index, a left/right swap or an
off-by-one in a table fails.
"""
import itertools
import re

import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope

import infant_mmpose  # noqa: F401  (registers the transform)
from infant_mmpose.structures.keypoint_definitions import (
    available_definitions, get_definition, get_mapping, mapping_table)
from infant_mmpose.datasets.transforms import KeypointMapping

init_default_scope('mmpose')

ALL = ['minirgbd25', 'mpii16', 'mpi_inf_3dhp28', 'mpi_inf_3dhp17', 'mavhea12',
       'coco17']

MPII_NAMES = [
    'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee',
    'left_ankle', 'pelvis', 'thorax', 'upper_neck', 'head_top', 'right_wrist',
    'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow',
    'left_wrist'
]
MINIRGBD_NAMES = [
    'pelvis', 'leftThigh', 'rightThigh', 'spine', 'leftCalf', 'rightCalf',
    'spine1', 'leftFoot', 'rightFoot', 'spine2', 'leftToes', 'rightToes',
    'neck', 'leftShoulder', 'rightShoulder', 'head', 'leftUpperArm',
    'rightUpperArm', 'leftForeArm', 'rightForeArm', 'leftHand', 'rightHand',
    'leftFingers', 'rightFingers', 'noseVertex'
]
H3DHP28_NAMES = [
    'spine3', 'spine4', 'spine2', 'spine', 'pelvis', 'neck', 'head',
    'head_top', 'left_clavicle', 'left_shoulder', 'left_elbow', 'left_wrist',
    'left_hand', 'right_clavicle', 'right_shoulder', 'right_elbow',
    'right_wrist', 'right_hand', 'left_hip', 'left_knee', 'left_ankle',
    'left_foot', 'left_toe', 'right_hip', 'right_knee', 'right_ankle',
    'right_foot', 'right_toe'
]
H3DHP17_NAMES = [
    'head_top', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist',
    'left_shoulder', 'left_elbow', 'left_wrist', 'right_hip', 'right_knee',
    'right_ankle', 'left_hip', 'left_knee', 'left_ankle', 'root', 'spine',
    'head'
]
MAVHEA_NAMES = [
    'left_wrist', 'left_elbow', 'left_shoulder', 'left_hip', 'left_knee',
    'left_ankle', 'right_ankle', 'right_knee', 'right_hip', 'right_shoulder',
    'right_elbow', 'right_wrist'
]
COCO_NAMES = [
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle'
]
NAMES = {
    'coco17': COCO_NAMES,
    'minirgbd25': MINIRGBD_NAMES,
    'mpii16': MPII_NAMES,
    'mpi_inf_3dhp28': H3DHP28_NAMES,
    'mpi_inf_3dhp17': H3DHP17_NAMES,
    'mavhea12': MAVHEA_NAMES,
}

# MPII joint name -> source joint name (thesis; SMIL: thigh = hip, calf =
# knee, foot = ankle, upperArm = shoulder, foreArm = elbow, hand = wrist).
TO_MPII_BY_NAME = {
    'minirgbd25': {
        'right_ankle': 'rightFoot', 'right_knee': 'rightCalf',
        'right_hip': 'rightThigh', 'left_hip': 'leftThigh',
        'left_knee': 'leftCalf', 'left_ankle': 'leftFoot',
        'pelvis': 'pelvis', 'thorax': 'spine2', 'upper_neck': 'neck',
        'head_top': 'noseVertex', 'right_wrist': 'rightHand',
        'right_elbow': 'rightForeArm', 'right_shoulder': 'rightUpperArm',
        'left_shoulder': 'leftUpperArm', 'left_elbow': 'leftForeArm',
        'left_wrist': 'leftHand'
    },
    # one thorax for both MPI-INF-3DHP tables: the shoulders' midpoint
    'mpi_inf_3dhp28': {
        **{n: n for n in MPII_NAMES[:6] + MPII_NAMES[10:]},
        'pelvis': 'pelvis', 'thorax': ('left_shoulder', 'right_shoulder'),
        'upper_neck': 'neck', 'head_top': 'head'
    },
    'mpi_inf_3dhp17': {
        **{n: n for n in MPII_NAMES[:6] + MPII_NAMES[10:]},
        'pelvis': 'root', 'thorax': ('left_shoulder', 'right_shoulder'),
        'upper_neck': 'neck', 'head_top': 'head'
    },
    'mavhea12': {n: n for n in MPII_NAMES[:6] + MPII_NAMES[10:]},
}
# FACTS section 2 tables, literally: out[i] = src[map[i]], except the
# MPI-INF-3DHP thorax (7), which is the shoulders' midpoint (FACTS's note)
# instead of spine4 (28) and spine (17)
FACTS_TABLES = {
    'minirgbd25': [8, 5, 2, 1, 4, 7, 0, 9, 12, 24, 21, 19, 17, 16, 18, 20],
    'mpi_inf_3dhp28':
    [25, 24, 23, 18, 19, 20, 4, (9, 14), 5, 6, 16, 15, 14, 9, 10, 11],
    'mpi_inf_3dhp17':
    [10, 9, 8, 11, 12, 13, 14, (5, 2), 1, 16, 4, 3, 2, 5, 6, 7],
    'mavhea12':
    [6, 7, 8, 3, 4, 5, None, None, None, None, 11, 10, 9, 2, 1, 0],
}


def names(definition):
    meta = get_definition(definition)
    return [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]


def side(name):
    """'left', 'right' or '' from either naming style."""
    match = re.match(r'^(left|right)(?=[_A-Z])', name)
    return match[1] if match else ''


def test_every_definition_loads_with_the_documented_joint_order():
    assert available_definitions() == sorted(ALL)
    for definition in ALL:
        assert names(definition) == NAMES[definition], definition
        assert get_definition(definition)['num_keypoints'] == len(
            NAMES[definition])


@pytest.mark.parametrize('definition', ALL)
def test_flip_indices_swap_left_and_right_by_name(definition):
    meta = get_definition(definition)
    joint_names = names(definition)
    flip = meta['flip_indices']
    for i, j in enumerate(flip):
        assert flip[j] == i  # an involution
        a, b = joint_names[i], joint_names[j]
        if side(a):
            opposite = 'right' if side(a) == 'left' else 'left'
            assert side(b) == opposite
            assert a[len(side(a)):] == b[len(side(b)):]
        else:
            assert i == j, f'{a} has no side but flips to {b}'


@pytest.mark.parametrize('source', sorted(TO_MPII_BY_NAME))
def test_table_into_mpii_joint_by_joint(source):
    src_names = names(source)
    table = mapping_table(source, 'mpii16')
    for got, facts in zip(table, FACTS_TABLES[source]):
        # a derived joint is a mean: its sources' order does not matter
        assert (set(got) == set(facts)
                if isinstance(facts, tuple) else got == facts)
    for mpii_index, mpii_name in enumerate(MPII_NAMES):
        expected = TO_MPII_BY_NAME[source].get(mpii_name)
        got = table[mpii_index]
        if isinstance(expected, tuple):
            assert sorted(src_names[i] for i in got) == sorted(expected)
        else:
            assert (None if got is None else src_names[got]) == expected, (
                f'{source} -> mpii16 joint {mpii_name}')


def test_named_examples_from_the_issue():
    minirgbd = dict(get_mapping('minirgbd25', 'mpii16'))
    assert minirgbd[MINIRGBD_NAMES.index('rightCalf')] == MPII_NAMES.index(
        'right_knee')
    h3dhp = {tgt: src for src, tgt in get_mapping('mpi_inf_3dhp28',
                                                  'mpii16')}
    assert {H3DHP28_NAMES[i] for i in h3dhp[MPII_NAMES.index('thorax')]} == {
        'left_shoulder', 'right_shoulder'}


def test_3dhp_28_to_17_keeps_each_joint_name():
    for src, tgt in get_mapping('mpi_inf_3dhp28', 'mpi_inf_3dhp17'):
        expected = H3DHP28_NAMES[src]
        if H3DHP17_NAMES[tgt] == 'root':
            assert expected == 'pelvis'
        else:
            assert expected == H3DHP17_NAMES[tgt]
    assert len(get_mapping('mpi_inf_3dhp28', 'mpi_inf_3dhp17')) == 17


@pytest.mark.parametrize('source,target', list(itertools.product(ALL, ALL)))
def test_every_mapping_is_one_to_one_and_never_swaps_sides(source, target):
    pairs = get_mapping(source, target)
    src_idx = [s for s, _ in pairs if not isinstance(s, tuple)]
    tgt_idx = [t for _, t in pairs]
    assert len(set(src_idx)) == len(src_idx)
    assert tgt_idx == sorted(set(tgt_idx))
    src_names, tgt_names = names(source), names(target)
    for s, t in pairs:
        if isinstance(s, tuple):
            # a derived joint: 2+ distinct sources, as many left as right
            # ones when it has no side itself
            assert len(set(s)) == len(s) >= 2
            sides = [side(src_names[i]) for i in s]
            assert side(tgt_names[t]) == ''
            assert sides.count('left') == sides.count('right')
            continue
        assert side(src_names[s]) == side(tgt_names[t]), (
            f'{source}:{src_names[s]} -> {target}:{tgt_names[t]}')
    if source == target:
        assert pairs == [(i, i) for i in range(len(src_names))]


def test_compositions_through_mpii():
    # minirgbd -> mavhea: every MAVHEA limb joint from its SMIL namesake
    smil = {
        'wrist': 'Hand', 'elbow': 'ForeArm', 'shoulder': 'UpperArm',
        'hip': 'Thigh', 'knee': 'Calf', 'ankle': 'Foot'
    }
    pairs = get_mapping('minirgbd25', 'mavhea12')
    assert len(pairs) == 12
    for s, t in pairs:
        sd, part = MAVHEA_NAMES[t].split('_')
        assert MINIRGBD_NAMES[s] == sd + smil[part]
    # mpii -> mavhea: the inverse of the MAVHEA table, by name
    assert all(MPII_NAMES[s] == MAVHEA_NAMES[t]
               for s, t in get_mapping('mpii16', 'mavhea12'))
    # mavhea -> mpii: the four trunk/head joints have no source
    covered = {t for _, t in get_mapping('mavhea12', 'mpii16')}
    missing = {MPII_NAMES[i] for i in range(16) if i not in covered}
    assert missing == {'pelvis', 'thorax', 'upper_neck', 'head_top'}
    # mpii -> minirgbd covers exactly the 16 joints used by the table
    back = get_mapping('mpii16', 'minirgbd25')
    assert sorted(s for s, _ in back) == list(range(16))
    assert sorted(t for _, t in back) == sorted(FACTS_TABLES['minirgbd25'])


def test_unknown_definition_names_are_rejected():
    with pytest.raises(KeyError, match='h36m17'):
        get_mapping('h36m17', 'mpii16')
    with pytest.raises(KeyError, match='mpii'):
        get_definition('mpii')
    with pytest.raises(KeyError, match='h36m'):
        KeypointMapping(source='minirgbd25', target='h36m')


# --------------------------------------------------------------------------
# the transform
# --------------------------------------------------------------------------
def random_sample(num_joints, rng, with_3d=True):
    sample = dict(
        keypoints=rng.uniform(0, 60, (1, num_joints, 2)).astype(np.float32),
        keypoints_visible=(rng.uniform(size=(1, num_joints)) > 0.2).astype(
            np.float32))
    if with_3d:
        sample.update(
            keypoints_3d=rng.normal(0, 300, (1, num_joints, 3)),
            keypoints_3d_visible=np.ones((1, num_joints)),
            lifting_target=rng.normal(0, 300, (1, num_joints, 3)),
            lifting_target_visible=(rng.uniform(size=(1, num_joints)) > 0.5)
            * 1.0)
    return sample


@pytest.mark.parametrize('source,target', [('minirgbd25', 'mpii16'),
                                           ('mavhea12', 'mpii16'),
                                           ('mpi_inf_3dhp28', 'mavhea12'),
                                           ('mpii16', 'minirgbd25')])
def test_transform_maps_every_key_like_the_table(source, target):
    rng = np.random.default_rng(0)
    src = random_sample(len(NAMES[source]), rng)
    out = KeypointMapping(source=source, target=target)(
        {k: v.copy() for k, v in src.items()})
    table = mapping_table(source, target)
    for key in ('keypoints', 'keypoints_3d', 'lifting_target'):
        assert out[key].shape == (1, len(table), src[key].shape[-1])
    for key in ('keypoints_visible', 'keypoints_3d_visible',
                'lifting_target_visible'):
        assert out[key].shape == (1, len(table))
    for t, s in enumerate(table):
        for key in src:
            if s is None:  # no source joint: invisible, never a fake value
                assert not np.any(out[key][0, t]), (key, t)
            else:
                np.testing.assert_array_equal(out[key][0, t], src[key][0, s])
    meta = get_definition(target)
    assert out['num_keypoints'] == meta['num_keypoints']
    assert out['keypoints_definition'] == target


def test_transform_sets_target_metainfo():
    rng = np.random.default_rng(1)
    src_meta = get_definition('minirgbd25')
    sample = random_sample(25, rng, with_3d=False)
    for key in ('flip_indices', 'flip_pairs', 'upper_body_ids',
                'skeleton_links', 'dataset_keypoint_weights'):
        sample[key] = src_meta[key]
    out = KeypointMapping('minirgbd25', 'mpii16')(sample)
    tgt = get_definition('mpii16')
    assert out['flip_indices'] == tgt['flip_indices']
    assert out['flip_pairs'] == tgt['flip_pairs']
    assert out['upper_body_ids'] == tgt['upper_body_ids']
    assert out['skeleton_links'] == tgt['skeleton_links']
    assert out['dataset_keypoint_weights'].shape == (16, )


def test_keypoints_definition_of_a_sample_overrides_source_for_2d_only():
    rng = np.random.default_rng(2)
    sample = random_sample(25, rng)  # 3D in minirgbd25
    mpii_2d = rng.uniform(0, 60, (1, 16, 2))
    sample.update(
        keypoints=mpii_2d.copy(),
        keypoints_visible=np.ones((1, 16)),
        keypoints_definition='mpii16')
    lifting = sample['lifting_target'].copy()
    out = KeypointMapping('minirgbd25', 'mpii16')(sample)
    np.testing.assert_array_equal(out['keypoints'], mpii_2d)  # identity
    np.testing.assert_array_equal(out['lifting_target'][0],
                                  lifting[0, FACTS_TABLES['minirgbd25']])
    # 2D predictions in mpii16, common definition mavhea12
    sample = dict(
        keypoints=mpii_2d.copy(), keypoints_visible=np.ones((1, 16)),
        keypoints_definition='mpii16')
    out = KeypointMapping('minirgbd25', 'mavhea12')(sample)
    for s, t in get_mapping('mpii16', 'mavhea12'):
        np.testing.assert_array_equal(out['keypoints'][0, t], mpii_2d[0, s])


def test_missing_visibility_is_created_so_unmapped_joints_are_invisible():
    sample = dict(keypoints=np.full((1, 12, 2), 5.0),
                  lifting_target=np.full((1, 12, 3), 7.0))
    out = KeypointMapping('mavhea12', 'mpii16')(sample)
    has_source = [s is not None for s in FACTS_TABLES['mavhea12']]
    for key in ('keypoints_visible', 'lifting_target_visible'):
        np.testing.assert_array_equal(out[key][0], has_source)
    assert 'keypoints_3d_visible' not in out  # no 3D keypoints given


def test_sample_in_the_wrong_definition_is_a_clear_error():
    sample = random_sample(28, np.random.default_rng(3))
    with pytest.raises(ValueError, match=r"keypoints.*25 joints.*minirgbd25"):
        KeypointMapping('minirgbd25', 'mpii16')(sample)
    sample = dict(keypoints=np.zeros((1, 16, 2)),
                  keypoints_definition='not_a_definition')
    with pytest.raises(KeyError, match='not_a_definition'):
        KeypointMapping('minirgbd25', 'mpii16')(sample)


def test_mapped_2d_stays_the_projection_of_mapped_3d():
    # MINI-RGBD intrinsics (FACTS section 1); 3D in mm in front of the camera
    fx, fy, cx, cy = 588.679, 590.257, 322.220, 237.468
    rng = np.random.default_rng(4)
    xyz = rng.normal([0, 0, 900], [150, 150, 40], size=(1, 25, 3))
    uv = np.stack([fx * xyz[..., 0] / xyz[..., 2] + cx,
                   fy * xyz[..., 1] / xyz[..., 2] + cy], axis=-1)
    out = KeypointMapping('minirgbd25', 'mpii16')(
        dict(keypoints=uv, keypoints_visible=np.ones((1, 25)),
             keypoints_3d=xyz, lifting_target=xyz.copy(),
             lifting_target_visible=np.ones((1, 25))))
    m = out['keypoints_3d'][0]
    reprojected = np.stack([fx * m[:, 0] / m[:, 2] + cx,
                            fy * m[:, 1] / m[:, 2] + cy], axis=-1)
    np.testing.assert_allclose(out['keypoints'][0], reprojected, atol=1e-6)


def test_topdown_pipeline_with_flip_uses_the_target_definition():
    """MINI-RGBD 25 -> MPII 16 inside MMPose's top-down training pipeline."""
    rng = np.random.default_rng(5)
    img_w, img_h = 96, 80
    kpts = rng.uniform([20, 15], [76, 65], size=(1, 25, 2)).astype(np.float32)
    src_meta = get_definition('minirgbd25')
    sample = dict(
        img=np.zeros((img_h, img_w, 3), dtype=np.uint8),
        img_shape=(img_h, img_w),
        ori_shape=(img_h, img_w),
        bbox=np.array([[0, 0, img_w, img_h]], dtype=np.float32),
        bbox_score=np.ones(1, dtype=np.float32),
        keypoints=kpts.copy(),
        keypoints_visible=np.ones((1, 25), dtype=np.float32),
        flip_indices=src_meta['flip_indices'],
        id=0, img_id=0, img_path='synthetic.png')
    codec = dict(type='MSRAHeatmap', input_size=(96, 80),
                 heatmap_size=(96, 80), sigma=2)
    pipeline = Compose([
        dict(type='KeypointMapping', source='minirgbd25', target='mpii16'),
        dict(type='GetBBoxCenterScale', padding=1.0),
        dict(type='RandomFlip', prob=1.0, direction='horizontal'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ])
    packed = pipeline(sample)
    heatmaps = packed['data_samples'].gt_fields.heatmaps.numpy()
    assert heatmaps.shape == (16, 80, 96)
    weights = packed['data_samples'].gt_instance_labels.keypoint_weights
    assert weights.shape == (1, 16)
    # independent expectation: mapped joint i comes from source
    # FACTS_TABLES[i]; after a horizontal flip, target joint i holds the
    # flipped position of target joint flip(i): MMPose flips x to w - 1 - x
    # and the box centre to w - 1 - cx, so in the crop x lands at w - x
    flip = get_definition('mpii16')['flip_indices']
    for i in range(16):
        src = FACTS_TABLES['minirgbd25'][flip[i]]
        x, y = img_w - kpts[0, src, 0], kpts[0, src, 1]
        peak_y, peak_x = np.unravel_index(heatmaps[i].argmax(),
                                          heatmaps[i].shape)
        assert abs(peak_x - x) <= 1 and abs(peak_y - y) <= 1, (
            MPII_NAMES[i], (peak_x, peak_y), (x, y))


def test_unmapped_joints_get_zero_loss_weight_in_a_real_pipeline():
    rng = np.random.default_rng(6)
    sample = dict(
        img=np.zeros((64, 64, 3), dtype=np.uint8), img_shape=(64, 64),
        bbox=np.array([[0, 0, 64, 64]], dtype=np.float32),
        bbox_score=np.ones(1, dtype=np.float32),
        keypoints=rng.uniform(10, 54, (1, 12, 2)).astype(np.float32),
        keypoints_visible=np.ones((1, 12), dtype=np.float32))
    codec = dict(type='MSRAHeatmap', input_size=(64, 64),
                 heatmap_size=(16, 16), sigma=2)
    packed = Compose([
        dict(type='KeypointMapping', source='mavhea12', target='mpii16'),
        dict(type='GetBBoxCenterScale', padding=1.0),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ])(sample)
    weights = packed['data_samples'].gt_instance_labels.keypoint_weights[0]
    expected = np.array([FACTS_TABLES['mavhea12'][i] is not None
                         for i in range(16)], dtype=np.float32)
    np.testing.assert_array_equal(weights.numpy(), expected)
    heatmaps = packed['data_samples'].gt_fields.heatmaps.numpy()
    assert not heatmaps[expected == 0].any()


def test_minirgbd_dataset_through_mapping_in_a_topdown_pipeline(
        minirgbd_root):
    """Real data set + real pipeline: every MPII joint carries the joint of
    the same name read straight from the MINI-RGBD joints file."""
    from mmpose.registry import DATASETS
    codec = dict(type='MSRAHeatmap', input_size=(64, 64),
                 heatmap_size=(16, 16), sigma=2)
    ds = DATASETS.build(
        dict(type='MiniRGBDDataset', data_root=minirgbd_root,
             sequences=[11], pipeline=[
                 dict(type='LoadImage'),
                 dict(type='KeypointMapping', source='minirgbd25',
                      target='mpii16'),
                 dict(type='GetBBoxCenterScale'),
                 dict(type='TopdownAffine', input_size=codec['input_size']),
                 dict(type='GenerateTarget', encoder=codec),
                 dict(type='PackPoseInputs'),
             ]))
    info = ds.get_data_info(0)
    joints_file = (f'{minirgbd_root}/{info["sequence"]:02d}/joints_2Ddep/'
                   f'syn_joints_2Ddep_{info["frame"]:05d}.txt')
    rows = np.loadtxt(joints_file)  # u v d joint_id
    assert rows.shape == (25, 4)
    packed = ds[0]
    gt = packed['data_samples'].gt_instances
    assert gt.keypoints.shape == (1, 16, 2)
    for mpii_index, mpii_name in enumerate(MPII_NAMES):
        source_name = TO_MPII_BY_NAME['minirgbd25'][mpii_name]
        row = rows[MINIRGBD_NAMES.index(source_name)]
        np.testing.assert_allclose(gt.keypoints[0, mpii_index], row[:2],
                                   atol=1e-3, err_msg=mpii_name)
    # joints outside the 640 x 480 image stay invisible, the rest visible
    inside = ((rows[:, 0] >= 0) & (rows[:, 0] < 640) & (rows[:, 1] >= 0)
              & (rows[:, 1] < 480))[FACTS_TABLES['minirgbd25']]
    weights = packed['data_samples'].gt_instance_labels.keypoint_weights
    assert (weights[0].numpy() > 0).tolist() == inside.tolist()
    assert packed['data_samples'].metainfo['flip_indices'] == get_definition(
        'mpii16')['flip_indices']


# --------------------------------------------------------------------------
# derived joints; one thorax for both MPI-INF-3DHP tables
# --------------------------------------------------------------------------
def _generated_3dhp_sample(rng, num_frames=4):
    """A generated 28-joint pose in camera space (mm), its projection (px)
    and a random visibility, all in the 28-joint order."""
    from infant_mmpose.synthetic.mpi_inf_3dhp import (project,
                                                               random_poses,
                                                               ring_cameras)
    cam = ring_cameras(1, rng)[0]
    xyz = random_poses(num_frames, rng) @ cam['R'].T + cam['T']
    visible = (rng.uniform(size=(num_frames, 28)) > 0.3).astype(np.float32)
    return dict(keypoints=project(xyz, cam['K']), keypoints_visible=visible,
                keypoints_3d=xyz, keypoints_3d_visible=visible.copy(),
                lifting_target=xyz.copy(), lifting_target_visible=visible)


def test_3dhp_28_and_17_forms_of_one_pose_give_the_same_mpii16_joints():
    rng = np.random.default_rng(7)
    form28 = _generated_3dhp_sample(rng)
    # the 17-joint form, picked by joint name (root = pelvis), independent
    # of the library's 28 -> 17 table
    by_name = [H3DHP28_NAMES.index('pelvis' if n == 'root' else n)
               for n in H3DHP17_NAMES]
    form17 = {k: v[:, by_name].copy() for k, v in form28.items()}
    out28 = KeypointMapping('mpi_inf_3dhp28', 'mpii16')(
        {k: v.copy() for k, v in form28.items()})
    out17 = KeypointMapping('mpi_inf_3dhp17', 'mpii16')(form17)
    for key in form28:
        assert out28[key].shape[:2] == (4, 16)
        np.testing.assert_array_equal(out28[key], out17[key], err_msg=key)
    # the thorax is the shoulders' mean, visible iff both shoulders are
    left, right = (H3DHP28_NAMES.index(n)
                   for n in ('left_shoulder', 'right_shoulder'))
    thorax = MPII_NAMES.index('thorax')
    for key in ('keypoints', 'keypoints_3d', 'lifting_target'):
        np.testing.assert_allclose(
            out28[key][:, thorax],
            (form28[key][:, left] + form28[key][:, right]) / 2)
    np.testing.assert_array_equal(
        out28['keypoints_visible'][:, thorax],
        form28['keypoints_visible'][:, left] *
        form28['keypoints_visible'][:, right])
    # one upper_neck / head_top choice too: neck and head in both forms
    for mpii, name in (('upper_neck', 'neck'), ('head_top', 'head')):
        np.testing.assert_array_equal(
            out17['keypoints_3d'][:, MPII_NAMES.index(mpii)],
            form28['keypoints_3d'][:, H3DHP28_NAMES.index(name)])


def test_derived_2d_thorax_is_close_to_the_projection_of_the_3d_thorax():
    """The 2D mean of the projected shoulders is not exactly the projection
    of their 3D mean (perspective). With shoulders M +- h, the difference
    is f * h_z * (M_xy * h_z - h_xy * M_z) / (M_z * (M_z**2 - h_z**2))."""
    from infant_mmpose.synthetic.mpi_inf_3dhp import (project,
                                                               random_poses,
                                                               ring_cameras)
    rng = np.random.default_rng(8)
    cam = ring_cameras(1, rng)[0]
    xyz = random_poses(50, rng) @ cam['R'].T + cam['T']
    out = KeypointMapping('mpi_inf_3dhp28', 'mpii16')(
        dict(keypoints=project(xyz, cam['K']), keypoints_3d=xyz))
    thorax = MPII_NAMES.index('thorax')
    gap = out['keypoints'][:, thorax] - project(out['keypoints_3d'][:, thorax],
                                                cam['K'])
    mid = (xyz[:, 9] + xyz[:, 14]) / 2
    half = (xyz[:, 9] - xyz[:, 14]) / 2
    focal = cam['K'][[0, 1], [0, 1]]
    mz, hz = mid[:, 2:], half[:, 2:]
    expected = focal * hz * (mid[:, :2] * hz - half[:, :2] * mz) / (
        mz * (mz**2 - hz**2))
    np.testing.assert_allclose(gap, expected, rtol=1e-6, atol=1e-9)
    assert 0.05 < np.abs(gap).max() < 5  # px: small, but not zero
    others = [i for i in range(16) if i != thorax]
    np.testing.assert_allclose(
        out['keypoints'][:, others],
        project(out['keypoints_3d'][:, others], cam['K']), atol=1e-6)


def test_derived_joint_of_three_sources_and_bad_derivations(monkeypatch):
    from infant_mmpose.structures import keypoint_definitions as kd
    monkeypatch.setitem(
        kd.DERIVED_JOINTS, 'mpi_inf_3dhp28',
        dict(upper_chest=('spine4', 'left_clavicle', 'right_clavicle'),
             lonely=('spine4', ), typo=('spine4', 'spine5')))
    table = list(kd._TABLES[('mpi_inf_3dhp28', 'mpii16')])
    table[MPII_NAMES.index('thorax')] = 'upper_chest'
    monkeypatch.setitem(kd._TABLES, ('mpi_inf_3dhp28', 'mpii16'), table)
    sources = [H3DHP28_NAMES.index(n)
               for n in ('spine4', 'left_clavicle', 'right_clavicle')]
    sample = _generated_3dhp_sample(np.random.default_rng(9))
    sample['keypoints_visible'][0, sources] = [1, 1, 0]
    out = KeypointMapping('mpi_inf_3dhp28', 'mpii16')(
        {k: v.copy() for k, v in sample.items()})
    thorax = MPII_NAMES.index('thorax')
    np.testing.assert_allclose(out['keypoints_3d'][:, thorax],
                               sample['keypoints_3d'][:, sources].sum(1) / 3)
    np.testing.assert_array_equal(
        out['keypoints_visible'][:, thorax],
        sample['keypoints_visible'][:, sources].min(1))
    assert out['keypoints_visible'][0, thorax] == 0
    # composed through MPII: still the three-joint mean
    assert dict((t, s) for s, t in kd.get_mapping(
        'mpi_inf_3dhp28', 'mpii16'))[thorax] == tuple(sources)
    # the inverse has no source for the thorax
    assert thorax not in {s for s, _ in kd.get_mapping('mpii16',
                                                       'mpi_inf_3dhp28')}
    with pytest.raises(ValueError, match='2 or more'):
        kd.derived_joint('mpi_inf_3dhp28', 'lonely')
    with pytest.raises(KeyError, match='spine5'):
        kd.derived_joint('mpi_inf_3dhp28', 'typo')
    with pytest.raises(KeyError, match='no derived joint'):
        kd.derived_joint('mpii16', 'upper_chest')

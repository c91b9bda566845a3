"""MPI-INF-3DHP readers, cache and the MpiInf3dhpDataset lifting data set.

Raw-format files are written by the tests (``scipy.io.savemat`` cell arrays
of 14 cameras, HDF5 via ``h5py``); the preprocessed-npz reader runs on the
real MMPose sample files (``realdata_dir`` fixture).
"""
import importlib.util
import os
import os.path as osp
import pickle
import shutil

import h5py
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS
from scipy.io import loadmat, savemat

import infant_mmpose  # noqa: F401
from infant_mmpose.structures.keypoint_definitions import (get_definition,
                                                         mapping_table)
from infant_mmpose.fileio.mpi_inf_3dhp_cache import (
    convert_mpi_inf_3dhp_to_cache, load_cache, load_or_build_cache)
from infant_mmpose.fileio.mpi_inf_3dhp_readers import (
    MpiInf3dhpFormatError, read_annot_mat, read_camera_calibration,
    read_mmpose_npz, read_test_annot)
from infant_mmpose.synthetic.mpi_inf_3dhp import \
    generate_mpi_inf_3dhp
from infant_mmpose.utils import PROJECT_ROOT, config_path

init_default_scope('mmpose')

NUM_FRAMES = 3
# 17-joint order (FACTS section 2)
HEAD_TOP, NECK, R_SHO, R_ELB, L_SHO, L_ELB = 0, 1, 2, 3, 5, 6
R_HIP, L_HIP, ROOT = 8, 11, 14


@pytest.fixture(scope='module')
def train_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('3dhp_train'))
    generate_mpi_inf_3dhp(root, subjects=(1, 7), sequences=(1, 2),
                          num_frames=NUM_FRAMES, seed=0)
    return root


@pytest.fixture(scope='module')
def test_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('3dhp_test'))
    generate_mpi_inf_3dhp(root, subjects=(), test_subjects=(1, 5),
                          num_frames=4, test_invalid_frames=(1, ), seed=1)
    return root


def project(points, f, c):
    return points[..., :2] / points[..., 2:] * np.ravel(f) + np.ravel(c)


def build(**cfg):
    return DATASETS.build(dict(type='MpiInf3dhpDataset', **cfg))


# --------------------------------------------------------------------------
# MMPose's preprocessed npz: real sample files
# --------------------------------------------------------------------------
@pytest.mark.parametrize('split', ['train', 'test'])
def test_npz_reader_on_real_samples_is_mm_and_in_joint_order(
        realdata_dir, split):
    folder = osp.join(realdata_dir, 'mpi_inf_3dhp')
    raw = np.load(osp.join(folder, f'test_3dhp_{split}.npz'))
    data = read_mmpose_npz(osp.join(folder, f'test_3dhp_{split}.npz'))
    np.testing.assert_allclose(data['keypoints_3d'], raw['S'][..., :3] * 1000,
                               rtol=1e-6)
    np.testing.assert_allclose(data['keypoints_2d'], raw['part'][..., :2],
                               rtol=1e-6)
    with open(osp.join(folder, f'cameras_{split}.pkl'), 'rb') as f:
        cameras = pickle.load(f)
    for name, kpts_2d, kpts_3d in zip(data['imgname'], data['keypoints_2d'],
                                      data['keypoints_3d']):
        key = name[:name.rindex('_')]
        cam = cameras[key]
        # physics: the mm camera-space joints project onto the 2D joints
        np.testing.assert_allclose(
            project(kpts_3d, cam['f'], cam['c']), kpts_2d, atol=2.0)
        # an adult: joints are metres (not mm, not m) from the camera and
        # left/right limbs have matching lengths (order not shuffled)
        assert 1500 < kpts_3d[:, 2].mean() < 8000
        upper_r = np.linalg.norm(kpts_3d[R_SHO] - kpts_3d[R_ELB])
        upper_l = np.linalg.norm(kpts_3d[L_SHO] - kpts_3d[L_ELB])
        assert 200 < upper_r < 400 and abs(upper_r - upper_l) < 60
        # root (pelvis) lies between the hips, head_top farther from the
        # pelvis than the neck
        hips_mid = (kpts_3d[R_HIP] + kpts_3d[L_HIP]) / 2
        assert np.linalg.norm(kpts_3d[ROOT] - hips_mid) < 60
        assert (np.linalg.norm(kpts_3d[HEAD_TOP] - kpts_3d[ROOT]) >
                np.linalg.norm(kpts_3d[NECK] - kpts_3d[ROOT]))


def test_dataset_on_real_npz_with_mmpose_camera_pickles(realdata_dir):
    folder = osp.join(realdata_dir, 'mpi_inf_3dhp')
    ds = build(ann_file='test_3dhp_train.npz', data_root=folder,
               camera_param_file='cameras_train.pkl')
    assert len(ds) == 2 and ds.metainfo['num_keypoints'] == 17
    info = ds.get_data_info(0)
    assert (info['subject'], info['sequence'], info['camera']) == (4, 2, 0)
    assert info['frame'] == 1032  # image S4_Seq2_Cam0_001033.jpg, 1-based
    raw = np.load(osp.join(folder, 'test_3dhp_train.npz'))
    np.testing.assert_allclose(info['lifting_target'][0],
                               raw['S'][0, :, :3] * 1000, rtol=1e-6)
    cam = info['camera_param']
    # the pickle's h = 204.0 typo is not trusted: training images are 2048
    assert (cam['w'], cam['h']) == (2048.0, 2048.0)
    np.testing.assert_allclose(
        project(info['keypoints_3d'][0], cam['f'], cam['c']),
        info['keypoints'][0], atol=2.0)
    test_ds = build(ann_file='test_3dhp_test.npz', data_root=folder,
                    camera_param_file='cameras_test.pkl', subjects=[2])
    assert len(test_ds) == 1
    assert test_ds.get_data_info(0)['img_paths'] == ['TS2_001850.jpg']


def test_npz_of_another_data_set_is_rejected(realdata_dir):
    # Human3.6M's npz has the same arrays (17 joints, S in metres)
    h36m = osp.join(realdata_dir, 'h36m', 'test_h36m_body3d.npz')
    with pytest.raises(MpiInf3dhpFormatError,
                       match=r'test_h36m_body3d.npz.*not an MPI-INF-3DHP'):
        build(ann_file=h36m)


# --------------------------------------------------------------------------
# raw training release
# --------------------------------------------------------------------------
def test_camera_calibration_relates_the_cameras_annotations(train_root):
    folder = osp.join(train_root, 'S1', 'Seq1')
    calib = read_camera_calibration(osp.join(folder, 'camera.calibration'))
    assert len(calib) == 14
    mat = loadmat(osp.join(folder, 'annot.mat'))
    cams = []
    for k in (0, 5):
        cam = calib[k]
        np.testing.assert_allclose(cam['R'] @ cam['R'].T, np.eye(3),
                                   atol=1e-8)
        xyz = mat['annot3'][k, 0].reshape(NUM_FRAMES, 28, 3)
        uv = mat['annot2'][k, 0].reshape(NUM_FRAMES, 28, 2)
        np.testing.assert_allclose(project(xyz, cam['f'], cam['c']), uv,
                                   atol=1e-4)
        cams.append((cam, xyz))
    # extrinsics: camera 0 -> world -> camera 5 reproduces camera 5's 3D
    (cam_a, xyz_a), (cam_b, xyz_b) = cams
    world = (xyz_a - cam_a['T']) @ cam_a['R']
    np.testing.assert_allclose(world @ cam_b['R'].T + cam_b['T'], xyz_b,
                               atol=1e-3)


def test_raw_training_dataset_selection_units_and_projection(
        train_root, tmp_path):
    ds = build(ann_file=train_root, subjects=[1], sequences=[2],
               cameras=[1, 3, 8], cache_file=str(tmp_path / 'c.npz'))
    assert len(ds) == NUM_FRAMES * 3
    assert ds.metainfo['num_keypoints'] == 28
    mat = loadmat(osp.join(train_root, 'S1', 'Seq2', 'annot.mat'))
    seen = set()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert (info['subject'], info['sequence']) == (1, 2)
        cam, frame = info['camera'], info['frame']
        seen.add(cam)
        # values straight from annot.mat (mm), not rescaled or reordered
        np.testing.assert_allclose(
            info['lifting_target'][0],
            mat['annot3'][cam, 0][frame].reshape(28, 3), rtol=1e-5)
        np.testing.assert_allclose(
            info['keypoints'][0], mat['annot2'][cam, 0][frame].reshape(
                28, 2), rtol=1e-5)
        cp = info['camera_param']
        np.testing.assert_allclose(
            project(info['keypoints_3d'][0], cp['f'], cp['c']),
            info['keypoints'][0], atol=1e-2)
        assert info['img_paths'] == [
            f'S1_Seq2_Cam{cam}_{frame + 1:06d}.jpg'
        ]
    assert seen == {1, 3, 8}
    every_other = build(ann_file=train_root, subjects=[1], sequences=[2],
                        cameras=[3], frame_step=2)
    assert [every_other.get_data_info(i)['frame']
            for i in range(len(every_other))] == list(
                range(0, NUM_FRAMES, 2))


def test_thesis_split_and_default_cameras(train_root, tmp_path):
    train = build(ann_file=train_root, subjects='train')
    val = build(ann_file=train_root, subjects='val')
    # S1 is in the thesis's training split, S7 in validation; both have
    # Seq1 and Seq2; cameras default to 1-8
    assert {train.get_data_info(i)['subject'] for i in range(len(train))
            } == {1}
    assert {val.get_data_info(i)['subject'] for i in range(len(val))} == {7}
    assert len(train) == len(val) == 2 * NUM_FRAMES * 8
    assert {train.get_data_info(i)['camera']
            for i in range(len(train))} == set(range(1, 9))
    with pytest.raises(ValueError, match='split names'):
        build(ann_file=train_root, subjects='everything')


def test_lifting_pipeline_maps_to_mpii_and_centres_on_the_pelvis(
        train_root):
    codec = dict(type='ImagePoseLifting', num_keypoints=16, root_index=6,
                 remove_root=False)
    ds = build(
        ann_file=train_root, subjects=[7], sequences=[1], cameras=[2],
        pipeline=[
            dict(type='KeypointMapping', source='mpi_inf_3dhp28',
                 target='mpii16'),
            dict(type='GenerateTarget', encoder=codec),
            dict(type='PackPoseInputs',
                 meta_keys=('id', 'target_img_path', 'flip_indices',
                            'target_root', 'camera_param')),
        ])
    table = mapping_table('mpi_inf_3dhp28', 'mpii16')

    def in_mpii(raw):  # a tuple entry is a derived joint: the mean
        return np.stack([raw[list(s)].mean(0) if isinstance(s, tuple)
                         else raw[s] for s in table])

    packed = ds[0]
    info = ds.get_data_info(0)
    raw_3d, raw_2d = info['lifting_target'][0], info['keypoints'][0]
    labels = packed['data_samples'].gt_instance_labels
    target = labels.lifting_target_label.numpy().reshape(16, 3)
    pelvis = raw_3d[4]  # 3DHP-28 pelvis
    np.testing.assert_allclose(target, in_mpii(raw_3d) - pelvis, atol=1e-3)
    # the model input: flattened 2D pixels x0, y0, x1, ... (Martinez)
    np.testing.assert_allclose(packed['inputs'].numpy().reshape(-1),
                               in_mpii(raw_2d).reshape(-1), atol=1e-3)
    np.testing.assert_allclose(packed['data_samples'].metainfo['target_root'],
                               pelvis[None], atol=1e-3)
    assert ds.metainfo['keypoint_id2name'][7] == 'thorax'
    assert build(ann_file=train_root, subjects=[7], sequences=[1],
                 cameras=[2]).metainfo['num_keypoints'] == 28
    # samples leave the pipeline in mpii16, so evaluators get its names by
    # default; an explicit metainfo wins
    explicit = build(
        ann_file=train_root, subjects=[7], sequences=[1], cameras=[2],
        metainfo=dict(from_file=config_path('_base_/datasets/mavhea12.py')),
        pipeline=ds.pipeline.transforms)
    assert explicit.metainfo['num_keypoints'] == 12
    # after mapping, the 16 joints still project with the view's camera,
    # apart from the derived thorax (a 2D mean of projections; its gap to
    # the projected 3D mean is checked in test_keypoint_mapping)
    real = [i for i, s in enumerate(table) if not isinstance(s, tuple)]
    assert len(real) == 15
    mapped = build(ann_file=train_root, subjects=[7], sequences=[1],
                   cameras=[2], pipeline=[
                       dict(type='KeypointMapping', source='mpi_inf_3dhp28',
                            target='mpii16')
                   ])[0]
    cp = mapped['camera_param']
    np.testing.assert_allclose(
        project(mapped['keypoints_3d'][0, real], cp['f'], cp['c']),
        mapped['keypoints'][0, real], atol=1e-2)
    assert packed['data_samples'].metainfo['flip_indices'] == get_definition(
        'mpii16')['flip_indices']


# --------------------------------------------------------------------------
# raw test release (HDF5)
# --------------------------------------------------------------------------
def test_raw_test_release_honours_valid_frame(test_root):
    annot = read_test_annot(osp.join(test_root, 'TS5', 'annot_data.mat'))
    assert annot['keypoints_3d'].shape == (4, 17, 3)
    assert annot['valid'].tolist() == [True, False, True, True]
    ds = build(ann_file=test_root)
    assert ds.metainfo['num_keypoints'] == 17
    frames = [(ds.get_data_info(i)['subject'], ds.get_data_info(i)['frame'])
              for i in range(len(ds))]
    assert frames == [(1, 0), (1, 2), (1, 3), (5, 0), (5, 2), (5, 3)]
    info = ds.get_data_info(3)
    with h5py.File(osp.join(test_root, 'TS5', 'annot_data.mat'), 'r') as h5:
        np.testing.assert_allclose(info['lifting_target'][0],
                                   h5['annot3'][0, 0], rtol=1e-5)
    cp = info['camera_param']
    assert (cp['w'], cp['h']) == (1920.0, 1080.0)
    # intrinsics fitted to the annotations reproduce the 2D exactly
    np.testing.assert_allclose(
        project(info['keypoints_3d'][0], cp['f'], cp['c']),
        info['keypoints'][0], atol=1e-2)


# --------------------------------------------------------------------------
# malformed files give an error naming the file
# --------------------------------------------------------------------------
def test_truncated_annot_mat(train_root, tmp_path):
    src = osp.join(train_root, 'S1', 'Seq1', 'annot.mat')
    bad = tmp_path / 'annot.mat'
    bad.write_bytes(open(src, 'rb').read()[:3000])
    with pytest.raises(MpiInf3dhpFormatError, match=str(bad)):
        read_annot_mat(str(bad), cameras=[1])


def test_annot_mat_with_wrong_structure(tmp_path):
    path = str(tmp_path / 'annot.mat')
    savemat(path, dict(annot2=np.zeros((4, 56)), annot3=np.zeros((4, 84))))
    with pytest.raises(MpiInf3dhpFormatError, match='cell array'):
        read_annot_mat(path, cameras=[0])
    cells = np.empty((14, 1), dtype=object)
    for k in range(14):
        cells[k, 0] = np.zeros((4, 50))
    savemat(path, dict(annot2=cells, annot3=cells))
    with pytest.raises(MpiInf3dhpFormatError,
                       match=r'annot.mat.*annot2.*\(4, 50\).*\(N, 56\)'):
        read_annot_mat(path, cameras=[0])
    short = np.empty((3, 1), dtype=object)
    for k in range(3):
        short[k, 0] = np.zeros((4, 56))
    savemat(path, dict(annot2=short, annot3=short))
    with pytest.raises(MpiInf3dhpFormatError, match='camera 8'):
        read_annot_mat(path, cameras=[8])


def test_malformed_calibration(train_root, tmp_path):
    src = osp.join(train_root, 'S1', 'Seq1', 'camera.calibration')
    lines = open(src).read().splitlines()
    bad = tmp_path / 'camera.calibration'
    bad.write_text('\n'.join(l for l in lines if 'intrinsic' not in l))
    with pytest.raises(MpiInf3dhpFormatError,
                       match=f'{bad}.*camera 0 lacks intrinsic'):
        read_camera_calibration(str(bad))
    bad.write_text('\n'.join(lines[1:]))
    with pytest.raises(MpiInf3dhpFormatError, match='first line'):
        read_camera_calibration(str(bad))
    # truncated in the middle of the last camera's intrinsic numbers
    text = open(src).read()
    cut = text.rindex('intrinsic') + 30
    bad.write_text(text[:cut])
    with pytest.raises(MpiInf3dhpFormatError, match=f'{bad}.*camera 13'):
        read_camera_calibration(str(bad))


def test_truncated_and_malformed_hdf5(test_root, tmp_path):
    src = osp.join(test_root, 'TS1', 'annot_data.mat')
    bad = tmp_path / 'annot_data.mat'
    bad.write_bytes(open(src, 'rb').read()[:1500])
    with pytest.raises(MpiInf3dhpFormatError, match=f'{bad}.*HDF5'):
        read_test_annot(str(bad))
    with h5py.File(bad, 'w') as h5:
        h5['annot2'] = np.zeros((4, 1, 16, 2))
        h5['annot3'] = np.zeros((4, 1, 17, 3))
        h5['valid_frame'] = np.ones((4, 1))
    with pytest.raises(MpiInf3dhpFormatError,
                       match=r'annot2.*\(4, 1, 16, 2\)'):
        read_test_annot(str(bad))


def test_dataset_reports_the_broken_file(train_root, tmp_path):
    root = tmp_path / 'release'
    shutil.copytree(osp.join(train_root, 'S1'), root / 'S1')
    annot = root / 'S1' / 'Seq2' / 'annot.mat'
    annot.write_bytes(annot.read_bytes()[:2000])
    with pytest.raises(MpiInf3dhpFormatError, match=str(annot)):
        build(ann_file=str(root), cache_file=str(tmp_path / 'cache.npz'))


# --------------------------------------------------------------------------
# the cache
# --------------------------------------------------------------------------
def test_cache_is_reused_until_the_source_or_selection_changes(
        train_root, tmp_path):
    root = tmp_path / 'release'
    shutil.copytree(osp.join(train_root, 'S1'), root / 'S1')
    cache = str(tmp_path / 'cache' / 'train.npz')
    first = load_or_build_cache(str(root), cache, subjects=[1], cameras=[1])
    stamp = os.stat(cache).st_mtime_ns
    again = load_or_build_cache(str(root), cache, subjects=[1], cameras=[1])
    assert os.stat(cache).st_mtime_ns == stamp  # reused, not rewritten
    np.testing.assert_array_equal(first['keypoints_3d'], again['keypoints_3d'])
    # another selection rebuilds
    two = load_or_build_cache(str(root), cache, subjects=[1], cameras=[1, 2])
    assert len(two['frame']) == 2 * len(first['frame'])
    # a changed source (new annotations) rebuilds with the new values
    generate_mpi_inf_3dhp(str(root), subjects=(1, ), sequences=(1, ),
                          num_frames=NUM_FRAMES, seed=99)
    changed = load_or_build_cache(str(root), cache, subjects=[1],
                                  cameras=[1, 2])
    assert not np.allclose(changed['keypoints_3d'], two['keypoints_3d'])
    fresh = loadmat(str(root / 'S1' / 'Seq1' / 'annot.mat'))
    np.testing.assert_allclose(
        changed['keypoints_3d'][0], fresh['annot3'][1, 0][0].reshape(28, 3),
        rtol=1e-5)


def test_converter_cli_and_dataset_on_the_cache(train_root, tmp_path):
    spec = importlib.util.spec_from_file_location(
        'to_cache',
        osp.join(PROJECT_ROOT, 'tools', 'dataset_converters',
                 'mpi_inf_3dhp_to_cache.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = str(tmp_path / 'val.npz')
    assert tool.main([train_root, out, '--subjects', 'val', '--cameras',
                      '4', '5']) == 0
    table = load_cache(out)
    assert set(table['subject']) == {7} and set(table['camera']) == {4, 5}
    ds = build(ann_file=out, cameras=[5])
    assert len(ds) == 2 * NUM_FRAMES
    direct = build(ann_file=train_root, subjects=[7], cameras=[5])
    for i in range(len(ds)):
        np.testing.assert_array_equal(
            ds.get_data_info(i)['lifting_target'],
            direct.get_data_info(i)['lifting_target'])
    # a broken source: exit status 1 and the file named on stderr
    assert tool.main([str(tmp_path / 'nowhere'), out]) == 1
    with pytest.raises(MpiInf3dhpFormatError, match='not an infant_mmpose'):
        load_cache(osp.join(train_root, 'S1', 'Seq1', 'annot.mat'))


def test_convert_api_writes_atomically_and_returns_the_path(
        test_root, tmp_path):
    out = str(tmp_path / 'test.npz')
    assert convert_mpi_inf_3dhp_to_cache(test_root, out, subjects=[1]) == out
    assert sorted(os.listdir(tmp_path)) == ['test.npz']  # no temp files left
    assert str(load_cache(out)['definition']) == 'mpi_inf_3dhp17'


# --------------------------------------------------------------------------
# end to end: tools/train.py with the lifter config on raw-format data
# --------------------------------------------------------------------------
def test_lifter_config_trains_on_raw_release_with_tools_train(tmp_path):
    import glob
    import subprocess
    import sys
    root = str(tmp_path / 'mpi_inf_3dhp')
    # S1 is in the thesis's training split, S7 in its validation split
    generate_mpi_inf_3dhp(root, subjects=(1, 7), sequences=(1, ),
                          num_frames=2, seed=3)
    work_dir = str(tmp_path / 'work')
    options = [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        'train_dataloader.batch_size=8', 'val_dataloader.batch_size=16',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False', 'train_cfg.max_epochs=2',
        'default_hooks.logger.interval=1'
    ]
    proc = subprocess.run(
        [sys.executable,
         osp.join(PROJECT_ROOT, 'tools', 'train.py'),
         osp.join(PROJECT_ROOT, 'configs', 'lifter',
                  'martinez_mpi-inf-3dhp.py'), '--work-dir', work_dir,
         '--cfg-options', *options],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    # 16 training views (1 subject x 2 frames x cameras 1-8) at batch 8
    assert 'Epoch(train) [2][2/2]' in log
    assert 'PCK@150mm' in log and 'AJPE' in log
    # per-joint results carry the common definition's names (the data set's
    # metainfo follows the pipeline's KeypointMapping target)
    assert 'PCK@150mm/right_knee' in log and 'PCK@150mm/spine3' not in log
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
    # the raw annotations were parsed once into the configured caches:
    # one with the training subject, one with the validation subject
    caches = glob.glob(osp.join(root, '**', '*.npz'), recursive=True)
    subjects = sorted(sorted(set(load_cache(p)['subject'].tolist()))
                      for p in caches)
    assert subjects == [[1], [7]]

"""Registered MINI-RGBD data sets built from config dicts with real MMPose /
MMDetection pipelines, result files, the COCO converter and the visual check."""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import infant_mmpose  # noqa: F401  (registers everything)
from infant_mmpose.fileio.minirgbd_coco import convert_minirgbd_to_coco
from infant_mmpose.fileio.minirgbd_reader import (HEAD_LENGTH_2D_PX, HEAD_LENGTH_3D_MM,
                                                    INTRINSICS, JOINTS_2D_PATTERN,
                                                    JOINTS_3D_PATTERN, MASK_PATTERN)
from infant_mmpose.fileio.result_files import (ResultFileError, load_detections,
                                                 load_pose2d_predictions, save_detections,
                                                 save_pose2d_predictions)
from infant_mmpose.visualization.sample import draw_minirgbd_sample
from infant_mmpose.utils import config_path

CODEC_2D = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
PIPELINE_2D = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(256, 256)),
    dict(type='GenerateTarget', encoder=CODEC_2D),
    dict(type='PackPoseInputs'),
]
CODEC_LIFT = dict(type='ImagePoseLifting', num_keypoints=25, root_index=0, remove_root=False)
PIPELINE_LIFT = [
    dict(type='GenerateTarget', encoder=CODEC_LIFT),
    dict(type='PackPoseInputs', meta_keys=('id', 'category_id', 'target_img_path',
                                           'flip_indices', 'target_root')),
]


def build_dataset(cfg):
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    return DATASETS.build(cfg)


def _rows(path):
    with open(path) as f:
        return np.array([[float(v) for v in line.split()] for line in f])


def _mask_box(path, padding=5):
    """Independent NumPy reference: tight box of non-zero pixels, padded, clipped."""
    ys, xs = np.nonzero(cv2.imread(path, cv2.IMREAD_UNCHANGED))
    return np.array([max(xs.min() - padding, 0), max(ys.min() - padding, 0),
                     min(xs.max() + padding, 639), min(ys.max() + padding, 479)])


@pytest.fixture
def root_copy(minirgbd_root, tmp_path):
    root = tmp_path / 'root'
    for seq in ('11', '12'):
        shutil.copytree(osp.join(minirgbd_root, seq), root / seq)
    return str(root)


def test_metainfo_swaps_and_skeleton():
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(dict(from_file=config_path('_base_/datasets/minirgbd.py')))
    names = [meta['keypoint_id2name'][i] for i in range(25)]
    assert meta['num_keypoints'] == 25 and names[0] == 'pelvis' and names[24] == 'noseVertex'
    for i, name in enumerate(names):
        j = meta['flip_indices'][i]
        if name.startswith('left'):
            assert names[j] == 'right' + name[4:]
        elif name.startswith('right'):
            assert names[j] == 'left' + name[5:]
        else:
            assert j == i
    # the links are the kinematic tree: 24 edges that connect all 25 joints
    links = meta['skeleton_links']
    assert len(links) == 24 and len({j for link in links for j in link}) == 25


def test_2d_dataset_with_real_pipeline(minirgbd_root):
    ds = build_dataset(dict(type='MiniRGBDDataset', data_root=minirgbd_root,
                            sequences='test', pipeline=PIPELINE_2D))
    assert len(ds) == 6
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(i['sequence'], i['frame']) for i in infos] == [(s, f) for s in (11, 12)
                                                             for f in range(3)]
    for info in infos:
        seq_dir = osp.join(minirgbd_root, f"{info['sequence']:02d}")
        # keypoints are the file's, in the native 25-joint order
        expected = _rows(osp.join(seq_dir, JOINTS_2D_PATTERN.format(info['frame'])))[:, :2]
        np.testing.assert_allclose(info['keypoints'][0], expected, atol=1e-4)
        assert info['keypoints'].shape == (1, 25, 2)
        # the box is the padded foreground-mask box
        np.testing.assert_array_equal(
            info['bbox'][0], _mask_box(osp.join(seq_dir, MASK_PATTERN.format(info['frame']))))
        with open(osp.join(seq_dir, 'head_length.txt')) as f:
            head_2d = float([ln for ln in f if ln.startswith('2d_px')][0].split()[1])
        assert info['head_size'].shape == (1, 1)
        assert np.isclose(info['head_size'][0, 0], head_2d)
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 256, 256)
    gt = sample['data_samples'].gt_instances
    assert gt.keypoints.shape == (1, 25, 2) and gt.head_size.shape == (1, 1)
    heatmaps = sample['data_samples'].gt_fields.heatmaps
    assert tuple(heatmaps.shape) == (25, 64, 64)
    # the heatmap peak of a visible joint sits where the affine maps its pixel
    weights = sample['data_samples'].gt_instance_labels.keypoint_weights[0]
    assert weights.sum() == 25
    peak = np.unravel_index(int(heatmaps[0].argmax()), (64, 64))
    assert heatmaps[0].max() > 0.9 and 0 < peak[0] < 63 and 0 < peak[1] < 63


def test_joints_outside_the_image_are_invisible(root_copy):
    path = osp.join(root_copy, '11', JOINTS_2D_PATTERN.format(1))
    rows = _rows(path)
    rows[7, :2] = [-3.0, 200.0]
    rows[10, :2] = [300.0, 480.5]
    with open(path, 'w') as f:
        f.write(''.join(f'{u} {v} {d} {int(j)}\n' for u, v, d, j in rows))
    ds = build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy, sequences=[11]))
    vis = ds.get_data_info(1)['keypoints_visible'][0]
    assert vis[7] == 0 and vis[10] == 0 and vis.sum() == 23
    assert ds.get_data_info(1)['num_keypoints'] == 23


def test_split_selection_and_facts_head_sizes(root_copy):
    for seq in ('11', '12'):
        os.remove(osp.join(root_copy, seq, 'head_length.txt'))
    ds = build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy, sequences='test'))
    sizes = {ds.get_data_info(i)['sequence']: float(ds.get_data_info(i)['head_size'][0, 0])
             for i in range(len(ds))}
    assert sizes == pytest.approx({11: 12.17, 12: 13.93})
    lds = build_dataset(dict(type='MiniRGBDLiftingDataset', data_root=root_copy,
                             sequences=[12]))
    assert {lds.get_data_info(i)['sequence'] for i in range(len(lds))} == {12}
    assert float(lds.get_data_info(0)['head_size'][0, 0]) == pytest.approx(30.1)
    assert (HEAD_LENGTH_2D_PX[11], HEAD_LENGTH_3D_MM[11]) == (12.17, 28.6)


def test_val_split_selects_sequences_9_and_10(minirgbd_root):
    ds = build_dataset(dict(type='MiniRGBDDataset', data_root=minirgbd_root,
                            sequences='val', test_mode=True))
    assert sorted({ds.get_data_info(i)['sequence'] for i in range(len(ds))}) == [9, 10]


def test_2d_dataset_from_detections_file(root_copy, tmp_path):
    dets = str(tmp_path / 'dets.json')
    records = [dict(sequence=s, frame=f, bbox=[10.0 + f, 20.0, 300.0, 400.0], score=0.9)
               for s in (11, 12) for f in range(3)]
    records[4]['bbox'] = None  # nothing detected in sequence 12 frame 1
    save_detections(dets, records)
    with pytest.warns(UserWarning, match='1 frame'):
        ds = build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy,
                                sequences='test', bbox_file=dets, test_mode=True,
                                pipeline=PIPELINE_2D))
    np.testing.assert_array_equal(ds.get_data_info(2)['bbox'][0], [12, 20, 300, 400])
    assert ds.get_data_info(2)['bbox_score'][0] == pytest.approx(0.9)
    np.testing.assert_array_equal(ds.get_data_info(4)['bbox'][0], [0, 0, 639, 479])
    assert ds.get_data_info(4)['bbox_score'][0] == 0
    assert tuple(ds[2]['inputs'].shape) == (3, 256, 256)
    # ground truth still comes from the reader (not MMPose's dummy keypoints)
    seq_dir = osp.join(root_copy, '11')
    np.testing.assert_allclose(ds.get_data_info(2)['keypoints'][0],
                               _rows(osp.join(seq_dir, JOINTS_2D_PATTERN.format(2)))[:, :2],
                               atol=1e-4)
    # a frame without any record is an error naming the file and the frame
    save_detections(dets, records[:-1])
    with pytest.raises(ResultFileError, match='no detection record for sequence 12 frame 2') \
            as err:
        build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy, sequences='test',
                           bbox_file=dets, test_mode=True))
    assert dets in str(err.value)
    with pytest.raises(FileNotFoundError, match='bbox_file'):
        build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy, sequences='test',
                           bbox_file=str(tmp_path / 'missing.json'), test_mode=True))
    # as in MMPose's data sets, detector boxes are for testing only
    save_detections(dets, records)
    with pytest.raises(ValueError, match='test_mode'):
        build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy, sequences='test',
                           bbox_file=dets))
    # the spelling of earlier versions still works (and overrides bbox_file)
    with pytest.warns(DeprecationWarning, match='bbox_source'):
        old = build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy,
                                 sequences='test', bbox_source='mask', bbox_file=dets,
                                 test_mode=True))
    np.testing.assert_array_equal(
        old.get_data_info(2)['bbox'][0], _mask_box(osp.join(seq_dir, MASK_PATTERN.format(2))))


def test_detections_file_is_an_mmpose_bbox_file(root_copy, tmp_path):
    """MMPose's own bbox_file reader (CocoDataset with the COCO json of the
    same frames) and pycocotools' loadRes take the detections file; MMPose
    crops the same boxes with the same scores as MiniRGBDDataset."""
    from mmpose.registry import DATASETS
    from pycocotools.coco import COCO
    coco_file = str(tmp_path / 'test.json')
    convert_minirgbd_to_coco(root_copy, 'test', coco_file)
    dets = str(tmp_path / 'dets.json')
    records = [dict(sequence=s, frame=f, bbox=[10.25 + f, 20.5, 300.125 + s, 400.0],
                    score=0.5 + 0.05 * f) for s in (11, 12) for f in range(3)]
    records[1]['bbox'] = None
    save_detections(dets, records)
    init_default_scope('mmpose')
    theirs = DATASETS.build(dict(type='CocoDataset', data_root=root_copy, ann_file=coco_file,
                                 bbox_file=dets, test_mode=True, pipeline=[]))
    with pytest.warns(UserWarning, match='no detection'):
        ours = build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy,
                                  sequences='test', bbox_file=dets, test_mode=True))
    assert len(theirs) == len(ours) == 6
    for i in range(6):
        a, b = theirs.get_data_info(i), ours.get_data_info(i)
        assert (a['img_id'], a['img_path']) == (b['img_id'], b['img_path'])
        np.testing.assert_array_equal(a['bbox'], b['bbox'])
        np.testing.assert_array_equal(a['bbox_score'], b['bbox_score'])
    np.testing.assert_array_equal(ours.get_data_info(1)['bbox'][0], [0, 0, 639, 479])
    assert ours.get_data_info(1)['bbox_score'][0] == 0
    gt = COCO(coco_file)
    res = gt.loadRes(dets)
    assert sorted(res.getImgIds()) == sorted(gt.getImgIds())
    assert res.anns[1]['bbox'] == pytest.approx([10.25, 20.5, 300.125 + 11 - 10.25, 379.5])


def test_lifting_dataset_gt_with_real_codec(minirgbd_root):
    ds = build_dataset(dict(type='MiniRGBDLiftingDataset', data_root=minirgbd_root,
                            sequences='test', pipeline=PIPELINE_LIFT))
    assert len(ds) == 6
    info = ds.get_data_info(3)
    assert (info['sequence'], info['frame']) == (12, 0)
    seq_dir = osp.join(minirgbd_root, '12')
    xyz = _rows(osp.join(seq_dir, JOINTS_3D_PATTERN.format(0)))[:, :3] * 1000
    np.testing.assert_allclose(info['lifting_target'][0], xyz, rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose(info['keypoints_3d'][0], xyz, rtol=1e-6, atol=1e-3)
    assert info['lifting_target_visible'].shape == (1, 25)
    # physics: the 3D target projected with the sample's camera is its 2D input
    cam = info['camera_param']
    f, c = cam['f'][:, 0], cam['c'][:, 0]
    uv = xyz[:, :2] / xyz[:, 2:] * f + c
    np.testing.assert_allclose(info['keypoints'][0], uv, atol=1e-3)
    assert (cam['w'], cam['h']) == (640, 480) and f[0] == pytest.approx(INTRINSICS['fx'])
    assert 'keypoints_definition' not in info
    assert float(info['head_size'][0, 0]) == pytest.approx(
        np.linalg.norm(xyz[15] - xyz[12]), abs=0.5)
    # MMPose's codec makes the target pelvis-relative, in mm
    sample = ds[3]
    label = sample['data_samples'].gt_instance_labels.lifting_target_label.numpy()[0]
    np.testing.assert_allclose(label, xyz - xyz[0], atol=1e-2)
    assert tuple(sample['inputs'].shape) == (50, 1)


def test_lifting_dataset_from_predictions_maps_to_common_definition(minirgbd_root, tmp_path):
    from infant_mmpose.structures.keypoint_definitions import get_mapping
    preds = str(tmp_path / 'pose2d.json')
    records = []
    for s in (11, 12):
        for f in range(3):
            kpts = np.arange(32, dtype=float).reshape(16, 2) + 100 * (s - 10) + f
            kpts[14] = [640.5, 100.0]  # right of the 640 x 480 image
            records.append(dict(sequence=s, frame=f, keypoints=kpts.tolist(),
                                scores=[0.8] * 15 + [0.0]))
    save_pose2d_predictions(preds, records, 'mpii16')
    pipeline = [dict(type='KeypointMapping', source='minirgbd25', target='mpii16')]
    pipeline += [dict(type='GenerateTarget', encoder=dict(CODEC_LIFT, num_keypoints=16,
                                                          root_index=6))]
    pipeline += [PIPELINE_LIFT[-1]]
    ds = build_dataset(dict(type='MiniRGBDLiftingDataset', data_root=minirgbd_root,
                            sequences='test', keypoints_2d=preds, pipeline=pipeline))
    info = ds.get_data_info(4)
    assert info['keypoints_definition'] == 'mpii16'
    assert info['keypoints'].shape == (1, 16, 2) and info['lifting_target'].shape == (1, 25, 3)
    np.testing.assert_allclose(info['keypoints'][0], np.array(records[4]['keypoints']))
    # one rule with inference: visible = inside the image and a positive
    # score (joint 15 has score 0, joint 14 lies outside the image)
    assert info['keypoints_visible'][0, 15] == 0 and info['keypoints_visible'][0, 14] == 0
    assert info['keypoints_visible'][0, :14].all()
    from infant_mmpose.apis.inferencer import inside_image
    from infant_mmpose.structures.visibility import predicted_keypoints_visible
    kpts = np.array(records[4]['keypoints'])
    np.testing.assert_array_equal(
        info['keypoints_visible'][0],
        predicted_keypoints_visible(kpts, (640, 480), records[4]['scores']))
    np.testing.assert_array_equal(inside_image(kpts, (640, 480))[:15],
                                  info['keypoints_visible'][0, :15])
    sample = ds[4]
    # the 2D input stays as predicted, the 3D target is mapped into MPII order
    np.testing.assert_allclose(sample['inputs'].numpy().reshape(16, 2),
                               np.array(records[4]['keypoints']), atol=1e-4)
    label = sample['data_samples'].gt_instance_labels.lifting_target_label.numpy()[0]
    xyz = info['lifting_target'][0]
    for src, tgt in get_mapping('minirgbd25', 'mpii16'):
        np.testing.assert_allclose(label[tgt], xyz[src] - xyz[0], atol=1e-2)
    # a missing frame in the predictions file is a clear error
    save_pose2d_predictions(preds, records[1:], 'mpii16')
    with pytest.raises(ResultFileError, match='no 2D prediction for sequence 11 frame 0'):
        build_dataset(dict(type='MiniRGBDLiftingDataset', data_root=minirgbd_root,
                           sequences='test', keypoints_2d=preds))


def test_result_files_roundtrip_and_errors(tmp_path):
    path = str(tmp_path / 'dets.json')
    save_detections(path, [dict(sequence=11, frame=0, bbox=[1, 2, 3, 4], score=0.5),
                           dict(sequence=11, frame=1, bbox=None, score=0.0)])
    assert load_detections(path) == {
        (11, 0): dict(bbox=[1.0, 2.0, 3.0, 4.0], score=0.5, detected=True),
        (11, 1): dict(bbox=[0.0, 0.0, 639.0, 479.0], score=0.0, detected=False)}
    assert [n for n in os.listdir(tmp_path) if n.endswith('.tmp')] == []
    # COCO detection results: xywh, the frame's COCO image id, sequence and frame
    written = json.load(open(path))
    assert written[0] == dict(image_id=1100000, category_id=1, bbox=[1.0, 2.0, 2.0, 2.0],
                              score=0.5, sequence=11, frame=0, detected=True)
    # float32 corners survive xywh exactly (x + w in float64)
    corners = np.array([135.7451171875, 34.570896, 316.56955, 123.40648], np.float32)
    save_detections(path, [dict(sequence=1, frame=2, bbox=corners.tolist(), score=1)])
    np.testing.assert_array_equal(
        np.array(load_detections(path)[(1, 2)]['bbox'], np.float32), corners)

    def record(**changes):
        rec = dict(image_id=100000, category_id=1, bbox=[1, 2, 3, 4], score=0.5,
                   sequence=1, frame=0)
        rec.update(changes)
        return rec

    bad = [
        ('{"format": "infant_mmpose.detections.v1", "detections": []}',
         "found a 'infant_mmpose.detections.v1' file from an earlier version"),
        ('{"format": "other"}', 'expected detections as a JSON list of COCO detection'),
        ('[{"frame": 0}', 'not valid JSON'),
        (json.dumps([dict(frame=0)]), "record 0 has no 'sequence'"),
        (json.dumps([record(bbox=[1, 2, 3])]), "'bbox' must be 4 finite"),
        (json.dumps([record(bbox=[5, 2, -3, 4])]), 'negative width or height'),
        (json.dumps([record(image_id=7)]), 'image_id 7 is not the id 100000 of sequence 1'),
        (json.dumps([record(category_id=2)]), 'category_id must be 1'),
        (json.dumps([record(detected='no')]), 'detected must be true or false'),
        (json.dumps([record(), record(detected=False)]),
         'two records for sequence 1 frame 0'),
    ]
    for text, message in bad:
        with open(path, 'w') as f:
            f.write(text)
        with pytest.raises(ResultFileError, match=message) as err:
            load_detections(path)
        assert path in str(err.value)
    with pytest.raises(ResultFileError, match='file not found'):
        load_detections(str(tmp_path / 'none.json'))

    preds = str(tmp_path / 'p.json')
    save_pose2d_predictions(preds, [dict(sequence=1, frame=0, keypoints=[[1, 2], [3, 4]],
                                         scores=[0.5, 1])], 'mpii16')
    definition, loaded = load_pose2d_predictions(preds)
    assert definition == 'mpii16'
    assert loaded[(1, 0)] == dict(keypoints=[[1.0, 2.0], [3.0, 4.0]], scores=[0.5, 1.0])
    payload = json.load(open(preds))
    # COCO keypoint results: flat [x, y, score] * K, the definition named
    assert payload == [dict(image_id=100000, category_id=1, keypoints=[1, 2, 0.5, 3, 4, 1],
                            score=0.75, sequence=1, frame=0, keypoint_definition='mpii16')]
    payload.append(dict(payload[0], frame=1, image_id=100001, keypoints=[1, 2, 1]))
    json.dump(payload, open(preds, 'w'))
    with pytest.raises(ResultFileError, match='record 1 has 1 keypoints, earlier records 2'):
        load_pose2d_predictions(preds)
    payload[1] = dict(payload[0], frame=1, image_id=100001, keypoints=[1, 2, 1, 3, 'x', 1])
    json.dump(payload, open(preds, 'w'))
    with pytest.raises(ResultFileError, match="record 1: 'keypoints' must be a list of finite"):
        load_pose2d_predictions(preds)
    for changes, message in (
            (dict(keypoints=[1, 2, 1, 3]), r'\[x, y, score\] \* K, got 4 numbers'),
            (dict(keypoint_definition='coco17'), "definition 'coco17', earlier records in "
             "'mpii16'"),
            (dict(keypoint_definition=None), 'missing the keypoint_definition name'),
            (dict(image_id=5), 'image_id 5 is not the id 100001')):
        payload[1] = dict(payload[0], frame=1, image_id=100001, keypoints=[1, 2, 1, 3, 4, 1])
        payload[1].update(changes)
        json.dump(payload, open(preds, 'w'))
        with pytest.raises(ResultFileError, match=message):
            load_pose2d_predictions(preds)
    json.dump([], open(preds, 'w'))
    with pytest.raises(ResultFileError, match='no predictions'):
        load_pose2d_predictions(preds)
    json.dump(dict(format='infant_mmpose.pose2d.v1', keypoint_definition='mpii16',
                   predictions=[]), open(preds, 'w'))
    with pytest.raises(ResultFileError, match='expected predictions as a JSON list of COCO '
                       'keypoint results'):
        load_pose2d_predictions(preds)


def test_one_mask_box_rule_for_data_set_coco_json_and_coco_export(root_copy, tmp_path):
    """An empty foreground mask falls back on the joints' box, padded and
    clipped, in the 2D data set, the COCO detection json and the COCO-infant
    export alike (one function), and is reported."""
    from infant_mmpose.fileio.coco_infant_export import export_coco_infant
    mask_path = osp.join(root_copy, '11', MASK_PATTERN.format(1))
    cv2.imwrite(mask_path, np.zeros((480, 640), np.uint8))
    uv = _rows(osp.join(root_copy, '11', JOINTS_2D_PATTERN.format(1)))[:, :2]
    expected = np.clip(np.concatenate([uv.min(0) - 5, uv.max(0) + 5]), 0, [639, 479, 639, 479])
    with pytest.warns(UserWarning, match='1 frame.*empty foreground mask'):
        ds = build_dataset(dict(type='MiniRGBDDataset', data_root=root_copy, sequences=[11]))
    np.testing.assert_allclose(ds.get_data_info(1)['bbox'][0], expected, atol=1e-3)
    # the other frames keep their mask boxes
    np.testing.assert_array_equal(
        ds.get_data_info(0)['bbox'][0],
        _mask_box(osp.join(root_copy, '11', MASK_PATTERN.format(0))))
    with pytest.warns(UserWarning, match='1 empty foreground mask'):
        coco = convert_minirgbd_to_coco(root_copy, [11], str(tmp_path / 'c.json'))
    x, y, w, h = coco['annotations'][1]['bbox']
    np.testing.assert_array_equal([x, y, x + w, y + h], ds.get_data_info(1)['bbox'][0])
    assert coco['images'][1]['id'] == ds.get_data_info(1)['img_id'] == 1100001
    assert (coco['images'][1]['sequence'], coco['images'][1]['frame']) == (11, 1)
    out = export_coco_infant(root_copy, str(tmp_path / 'syrip'), splits=dict(validate=[11]))
    ann = json.load(open(out['validate']['ann_file']))['annotations'][1]
    assert ann['image_id'] == 1100001
    x, y, w, h = ann['bbox']
    np.testing.assert_array_equal([x, y, x + w, y + h], ds.get_data_info(1)['bbox'][0])


def test_coco_converter_loads_in_mmdetection(minirgbd_root, tmp_path):
    from mmdet.registry import DATASETS as MMDET_DATASETS
    from infant_mmpose.utils import PROJECT_ROOT
    out = str(tmp_path / 'val.json')
    coco = convert_minirgbd_to_coco(minirgbd_root, 'val', out, padding=5)
    assert coco['categories'] == [dict(id=1, name='infant')]
    assert coco['images'][0]['file_name'] == osp.join('09', 'rgb', 'syn_00000.png')
    from infant_mmpose.fileio.minirgbd_coco import image_frames
    assert image_frames(out) == {900000 + f: (9, f) for f in range(3)} | {
        1000000 + f: (10, f) for f in range(3)}
    init_default_scope('mmdet')
    ds = MMDET_DATASETS.build(dict(
        type='CocoDataset', data_root=minirgbd_root, ann_file=out, data_prefix=dict(img=''),
        metainfo=dict(classes=('infant', )), test_mode=True,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations', with_bbox=True),
                  dict(type='PackDetInputs')]))
    assert len(ds) == 6
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 480, 640)
    boxes = sample['data_samples'].gt_instances.bboxes.numpy()
    np.testing.assert_allclose(
        boxes[0], _mask_box(osp.join(minirgbd_root, '09', MASK_PATTERN.format(0))))
    assert sample['data_samples'].gt_instances.labels.tolist() == [0]
    # MMDetection's CocoMetric scores ground truth as perfect
    from mmdet.evaluation import CocoMetric
    metric = CocoMetric(ann_file=out, metric='bbox')
    metric.dataset_meta = dict(classes=('infant', ))
    import torch
    for i in range(len(ds)):
        item = ds[i]['data_samples']
        pred = dict(bboxes=item.gt_instances.bboxes.tensor if hasattr(
            item.gt_instances.bboxes, 'tensor') else torch.as_tensor(item.gt_instances.bboxes),
                    scores=torch.ones(1), labels=torch.zeros(1, dtype=torch.long))
        metric.process({}, [dict(img_id=item.img_id, ori_shape=item.ori_shape,
                                 pred_instances=pred)])
    assert metric.evaluate(len(ds))['coco/bbox_mAP'] == pytest.approx(1.0)
    # the command-line tool writes the same file
    import importlib.util
    path = osp.join(PROJECT_ROOT, 'tools', 'dataset_converters', 'minirgbd_to_coco.py')
    spec = importlib.util.spec_from_file_location('minirgbd_to_coco', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out_cli = str(tmp_path / 'cli.json')
    tool.main([minirgbd_root, out_cli, '--sequences', '9', '10'])
    assert json.load(open(out_cli))['annotations'] == coco['annotations']


def test_visual_check_png(minirgbd_root, tmp_path):
    out = draw_minirgbd_sample(minirgbd_root, 3, 1, str(tmp_path / 'vis' / 'sample.png'))
    img = cv2.imread(out)
    assert img is not None and img.shape[0] > 300 and img.shape[1] > 900
    # a real drawing, not a blank canvas
    assert img.std() > 20
    with pytest.raises(ValueError, match='frame 7 is not a usable frame'):
        draw_minirgbd_sample(minirgbd_root, 3, 7, str(tmp_path / 'x.png'))


def test_one_visibility_rule_for_ground_truth_and_predicted_2d():
    """Inside the image is 0 <= u <= W - 1 and 0 <= v <= H - 1 for ground
    truth, for predictions in the lifting data set and at inference."""
    from infant_mmpose.apis.inferencer import inside_image
    from infant_mmpose.datasets.minirgbd_dataset import keypoints_in_image
    from infant_mmpose.structures.visibility import predicted_keypoints_visible
    kpts = np.array([[0.0, 0.0], [639.0, 479.0], [639.5, 10.0], [-0.1, 5.0],
                     [10.0, 479.2], [np.nan, 3.0], [320.0, 240.0]])
    expected = np.array([1, 1, 0, 0, 0, 0, 1], dtype=np.float32)
    np.testing.assert_array_equal(keypoints_in_image(kpts), expected)
    np.testing.assert_array_equal(inside_image(kpts, (640, 480)), expected)
    scores = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.0])
    np.testing.assert_array_equal(
        predicted_keypoints_visible(kpts, (640, 480), scores),
        expected * (scores > 0))
    with pytest.raises(ValueError, match='scores'):
        predicted_keypoints_visible(kpts, (640, 480), scores[:3])

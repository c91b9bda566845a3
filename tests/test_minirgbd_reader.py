"""MINI-RGBD reader: corrupt/missing files, cache invalidation, splits, head
lengths (FACTS.md §1) and boxes from masks."""
import os
import os.path as osp
import shutil
import time

import numpy as np
import pytest

from infant_mmpose.structures.bbox import (bbox_from_mask, keypoint_box,
                                           padded_mask_box, tight_mask_box)
from infant_mmpose.fileio.minirgbd_reader import (
    HEAD_LENGTH_2D_PX, HEAD_LENGTH_3D_MM, JOINTS_2D_PATTERN, JOINTS_3D_PATTERN,
    MASK_PATTERN, RGB_PATTERN, MiniRGBDReader, frame_image_id, parse_joint_file,
    resolve_sequences)


def _rows(path):
    with open(path) as f:
        return np.array([[float(v) for v in line.split()] for line in f])


@pytest.fixture
def root_copy(minirgbd_root, tmp_path):
    """Sequences 1 and 2 of the shared root, safe to damage."""
    root = tmp_path / 'root'
    for seq in ('01', '02'):
        shutil.copytree(osp.join(minirgbd_root, seq), root / seq)
    return str(root)


def _edit_lines(path, edit):
    with open(path) as f:
        lines = f.read().splitlines()
    with open(path, 'w') as f:
        f.write('\n'.join(edit(lines)) + '\n')


CORRUPTIONS = {
    'wrong line count': (JOINTS_2D_PATTERN, lambda ls: ls[:24], 'expected 25 lines, found 24'),
    'non-numeric': (JOINTS_3D_PATTERN,
                    lambda ls: ls[:5] + ['0.1 abc 0.7 5'] + ls[6:],
                    "non-numeric value 'abc' on line 6"),
    'ids out of order': (JOINTS_2D_PATTERN,
                         lambda ls: ls[:3] + [ls[4], ls[3]] + ls[5:],
                         'joint ids out of order: line 4 has id 4, expected 3'),
    'missing value': (JOINTS_3D_PATTERN,
                      lambda ls: ls[:9] + ['0.1 0.2 9'] + ls[10:],
                      'line 10 has 3 values, expected 4'),
    'nan': (JOINTS_2D_PATTERN, lambda ls: ['nan 1 2 0'] + ls[1:],
            "non-finite value 'nan' on line 1"),
}


@pytest.mark.parametrize('kind', sorted(CORRUPTIONS))
def test_malformed_joint_file_is_skipped_and_reported(root_copy, kind):
    pattern, edit, reason = CORRUPTIONS[kind]
    bad = osp.join(root_copy, '01', pattern.format(1))
    _edit_lines(bad, edit)
    with pytest.raises(ValueError, match=reason.split(':')[0]):
        parse_joint_file(bad)
    reader = MiniRGBDReader(root_copy, [1, 2])
    seqs = reader.load()
    assert len(reader.skipped) == 1
    skip = reader.skipped[0]
    assert (skip.sequence, skip.frame, skip.path) == (1, 1, bad)
    assert reason in skip.reason
    assert reason in str(skip) and bad in str(skip)
    assert '1 skipped' in reader.summary() and '5 frames indexed' in reader.summary()
    # the remaining frames keep their own joints (no misalignment)
    np.testing.assert_array_equal(seqs[0].frames, [0, 2])
    for i, frame in enumerate([0, 2]):
        expected = _rows(osp.join(root_copy, '01', JOINTS_3D_PATTERN.format(frame)))[:, :3]
        np.testing.assert_allclose(seqs[0].joints_3d_mm[i], expected * 1000)
        expected = _rows(osp.join(root_copy, '01', JOINTS_2D_PATTERN.format(frame)))[:, :2]
        np.testing.assert_allclose(seqs[0].joints_2d[i], expected)
    assert len(seqs[1]) == 3


@pytest.mark.parametrize('pattern,reason', [
    (RGB_PATTERN, 'missing rgb image'), (MASK_PATTERN, 'missing mask image'),
    (JOINTS_2D_PATTERN, 'missing joints_2d file'), (JOINTS_3D_PATTERN, 'missing joints_3d file')])
def test_missing_file_is_skipped_and_reported(root_copy, pattern, reason, caplog):
    gone = osp.join(root_copy, '02', pattern.format(2))
    os.remove(gone)
    reader = MiniRGBDReader(root_copy, [1, 2])
    seqs = reader.load()
    assert [(s.sequence, s.frame, s.path, s.reason) for s in reader.skipped] == [
        (2, 2, gone, reason)]
    np.testing.assert_array_equal(seqs[1].frames, [0, 1])
    expected = _rows(osp.join(root_copy, '02', JOINTS_3D_PATTERN.format(1)))[:, :3] * 1000
    np.testing.assert_allclose(seqs[1].joints_3d_mm[1], expected)


def test_skips_are_logged_with_path_and_reason(root_copy):
    from mmengine.logging import MMLogger
    bad = osp.join(root_copy, '01', JOINTS_2D_PATTERN.format(0))
    _edit_lines(bad, lambda ls: ls[:20])
    records = []

    class Keep:
        level = 0

        def handle(self, record):
            records.append(record.getMessage())

    logger = MMLogger.get_current_instance()
    handler = Keep()
    logger.handlers.append(handler)
    try:
        MiniRGBDReader(root_copy, [1]).load()
    finally:
        logger.handlers.remove(handler)
    text = '\n'.join(records)
    assert bad in text and 'expected 25 lines, found 20' in text
    assert '1 skipped' in text


def test_cache_is_used_and_invalidated_when_a_file_changes(root_copy, tmp_path):
    cache = str(tmp_path / 'cache')
    first = MiniRGBDReader(root_copy, [1], cache_dir=cache).load(mask_boxes=True)[0]
    assert sorted(os.listdir(cache)) == ['01.npz']
    # a cached load returns the same arrays
    again = MiniRGBDReader(root_copy, [1], cache_dir=cache).load(mask_boxes=True)[0]
    np.testing.assert_array_equal(again.joints_3d_mm, first.joints_3d_mm)
    np.testing.assert_array_equal(again.mask_boxes, first.mask_boxes)
    # the cache really is read: a poisoned cache with the right key is believed
    with np.load(osp.join(cache, '01.npz')) as data:
        poisoned = {k: data[k] for k in data.files}
    poisoned['joints_3d_mm'] = poisoned['joints_3d_mm'] + 1.0
    np.savez(osp.join(cache, '01.npz'), **poisoned)
    cached = MiniRGBDReader(root_copy, [1], cache_dir=cache).load()[0]
    np.testing.assert_allclose(cached.joints_3d_mm, first.joints_3d_mm + 1.0)
    # editing a joint file (new size/mtime) invalidates it: fresh values are read
    path = osp.join(root_copy, '01', JOINTS_3D_PATTERN.format(2))
    _edit_lines(path, lambda ls: ['0.5 0.25 0.75 0'] + ls[1:])
    fresh = MiniRGBDReader(root_copy, [1], cache_dir=cache).load()[0]
    np.testing.assert_allclose(fresh.joints_3d_mm[2, 0], [500, 250, 750])
    np.testing.assert_allclose(fresh.joints_3d_mm[:2], first.joints_3d_mm[:2])
    # a cached skip is still reported
    _edit_lines(path, lambda ls: ls[:3])
    MiniRGBDReader(root_copy, [1], cache_dir=cache).load()
    reader = MiniRGBDReader(root_copy, [1], cache_dir=cache)
    assert len(reader.load()[0]) == 2 and reader.skipped[0].path == path
    # changing a mask recomputes the cached box
    import cv2
    mask_path = osp.join(root_copy, '01', MASK_PATTERN.format(0))
    mask = np.zeros((480, 640), np.uint8)
    mask[100:111, 200:231] = 255
    time.sleep(0.01)
    cv2.imwrite(mask_path, mask)
    boxes = MiniRGBDReader(root_copy, [1], cache_dir=cache).load(mask_boxes=True)[0].mask_boxes
    np.testing.assert_array_equal(boxes[0], [200, 100, 230, 110])


def test_unwritable_cache_still_reads(root_copy, tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    seqs = MiniRGBDReader(root_copy, [1], cache_dir=str(blocker / 'cache')).load()
    assert len(seqs[0]) == 3 and blocker.read_text() == 'not a folder'


def test_splits_follow_the_thesis():
    assert resolve_sequences('train') == [1, 2, 3, 4, 5, 6, 7, 8]
    assert resolve_sequences('val') == [9, 10]
    assert resolve_sequences('test') == [11, 12]
    assert resolve_sequences('all') == list(range(1, 13))
    assert resolve_sequences([12, 3, 3]) == [3, 12]
    with pytest.raises(ValueError, match='unknown MINI-RGBD split'):
        resolve_sequences('training')
    with pytest.raises(ValueError, match='1..12'):
        resolve_sequences([0, 5])


def test_default_split_and_missing_sequence(minirgbd_root, root_copy):
    reader = MiniRGBDReader(minirgbd_root)
    assert [s.sequence for s in reader.load()] == [1, 2, 3, 4, 5, 6, 7, 8]
    with pytest.raises(FileNotFoundError, match='12'):
        MiniRGBDReader(root_copy, 'test').load()
    with pytest.raises(FileNotFoundError, match='not a folder'):
        MiniRGBDReader(osp.join(root_copy, 'nope'))


def test_head_lengths_from_facts_without_generator_file(root_copy):
    """A real MINI-RGBD root has no head_length.txt: the thesis table applies."""
    os.remove(osp.join(root_copy, '02', 'head_length.txt'))
    seqs = MiniRGBDReader(root_copy, [1, 2]).load()
    assert seqs[1].head_length_source == 'facts'
    assert (seqs[1].head_length_2d_px, seqs[1].head_length_3d_mm) == (11.39, 26.3)
    assert seqs[0].head_length_source == 'file'
    # FACTS table spot checks
    assert (HEAD_LENGTH_2D_PX[5], HEAD_LENGTH_3D_MM[5]) == (7.75, 20.6)
    assert (HEAD_LENGTH_2D_PX[12], HEAD_LENGTH_3D_MM[12]) == (13.93, 30.1)
    assert np.isclose(np.mean(list(HEAD_LENGTH_3D_MM.values())), 26.4, atol=0.1)


def test_malformed_head_length_file_is_a_clear_error(root_copy):
    path = osp.join(root_copy, '01', 'head_length.txt')
    with open(path, 'w') as f:
        f.write('2d_px eleven\n')
    with pytest.raises(ValueError, match='head_length.txt: malformed line'):
        MiniRGBDReader(root_copy, [1]).load()


# ------------------------------------------------------------- bbox from mask
def test_tight_box_padding_and_clipping():
    mask = np.zeros((480, 640), np.uint8)
    mask[50:61, 100:151] = 1
    mask[70, 155] = 255
    np.testing.assert_array_equal(tight_mask_box(mask), [100, 50, 155, 70])
    box, source = bbox_from_mask(mask, padding=5)
    np.testing.assert_array_equal(box, [95, 45, 160, 75])
    assert source == 'mask' and box.dtype == np.float32
    # clipped to the image
    mask[:] = 0
    mask[0:10, 630:640] = 1
    box, _ = bbox_from_mask(mask, padding=5)
    np.testing.assert_array_equal(box, [625, 0, 639, 14])
    # masks stored as 3-channel images work the same
    box3, _ = bbox_from_mask(np.repeat(mask[..., None], 3, axis=2), padding=5)
    np.testing.assert_array_equal(box3, box)
    # an opaque alpha channel does not turn the whole image into infant
    rgba = np.concatenate([np.repeat(mask[..., None], 3, axis=2),
                           np.full((480, 640, 1), 255, np.uint8)], axis=2)
    np.testing.assert_array_equal(bbox_from_mask(rgba, padding=5)[0], box)


def test_empty_mask_falls_back_to_joints_and_reports():
    mask = np.zeros((480, 640), np.uint8)
    joints = np.array([[100.0, 200.0], [300.0, 50.0], [np.nan, np.nan]])
    with pytest.warns(UserWarning, match='empty foreground mask'):
        box, source = bbox_from_mask(mask, padding=5, keypoints=joints,
                                     source_name='01/fg_mask/mask_00003.png')
    assert source == 'keypoints'
    np.testing.assert_array_equal(box, [95, 45, 305, 205])
    np.testing.assert_array_equal(keypoint_box(joints), [100, 50, 300, 200])
    with pytest.raises(ValueError, match='mask_00003.png: the foreground mask is empty'):
        bbox_from_mask(mask, keypoints=None, source_name='mask_00003.png')


def test_load_frame_images_formats_and_errors(root_copy):
    import cv2
    from infant_mmpose.fileio.minirgbd_reader import DEPTH_PATTERN, load_frame_images
    seq = MiniRGBDReader(root_copy, [1]).load()[0]
    images = load_frame_images(seq, 0)
    assert images['rgb'].shape == (480, 640, 3) and images['rgb'].dtype == np.uint8
    assert images['depth'].dtype == np.uint16 and images['mask'].dtype == bool
    bgr = cv2.imread(osp.join(root_copy, '01', RGB_PATTERN.format(0)))
    np.testing.assert_array_equal(images['rgb'], bgr[..., ::-1])
    # the mask and the depth agree: infant pixels are nearer than the mat
    assert images['depth'][images['mask']].max() < images['depth'][~images['mask']].min()
    depth_path = osp.join(root_copy, '01', DEPTH_PATTERN.format(1))
    cv2.imwrite(depth_path, np.zeros((480, 640), np.uint8))
    with pytest.raises(ValueError, match='syn_00001_depth.png: depth must be a 16-bit'):
        load_frame_images(seq, 1)
    os.remove(osp.join(root_copy, '01', RGB_PATTERN.format(2)))
    with pytest.raises(ValueError, match='syn_00002.png: missing or not a readable'):
        load_frame_images(seq, 2)


def test_cold_mask_box_pass_shows_progress_once(root_copy, tmp_path,
                                                monkeypatch, capsys):
    monkeypatch.setattr(MiniRGBDReader, 'PROGRESS_MIN_FRAMES', 3)
    cache = str(tmp_path / 'cache')
    MiniRGBDReader(root_copy, [1], cache_dir=cache).load(mask_boxes=True)
    assert '3/3' in capsys.readouterr().out
    # the cached second load has nothing to show
    MiniRGBDReader(root_copy, [1], cache_dir=cache).load(mask_boxes=True)
    assert '3/3' not in capsys.readouterr().out
    # below the threshold a cold pass stays quiet
    monkeypatch.setattr(MiniRGBDReader, 'PROGRESS_MIN_FRAMES', 4)
    MiniRGBDReader(root_copy, [1], cache_dir=str(tmp_path / 'c2')).load(
        mask_boxes=True)
    assert '3/3' not in capsys.readouterr().out


def test_padded_mask_box_is_the_one_rule():
    """The cached tight box (NaN = empty mask) or the joints' box, padded
    and clipped; the same result as from the mask itself."""
    mask = np.zeros((480, 640), np.uint8)
    mask[50:61, 630:640] = 1
    joints = np.array([[100.0, 200.0], [300.0, 50.0]])
    box, source = padded_mask_box(tight_mask_box(mask), joints, 5, (640, 480))
    assert source == 'mask' and box.dtype == np.float32
    np.testing.assert_array_equal(box, [625, 45, 639, 65])
    np.testing.assert_array_equal(box, bbox_from_mask(mask, padding=5, keypoints=joints)[0])
    for empty in (None, np.full(4, np.nan, np.float32)):
        box, source = padded_mask_box(empty, joints, 5, (640, 480))
        assert source == 'keypoints'
        np.testing.assert_array_equal(box, [95, 45, 305, 205])
    with pytest.raises(ValueError, match='01/mask_7.png: the foreground mask is empty'):
        padded_mask_box(None, np.full((2, 2), np.nan), 5, (640, 480), '01/mask_7.png')


def test_frame_image_id():
    assert frame_image_id(11, 2) == 1100002 and frame_image_id(1, 999) == 100999
    ids = {frame_image_id(s, f) for s in range(1, 13) for f in (0, 999, 99999)}
    assert len(ids) == 36  # unique over sequences and frames
    with pytest.raises(ValueError, match='frame 100000 of sequence 3'):
        frame_image_id(3, 100000)

"""The synthetic MINI-RGBD generator writes physically consistent data in the
real release's format (FACTS.md §1)."""
import filecmp
import os
import os.path as osp
import importlib.util

import cv2
import numpy as np
import pytest

from infant_mmpose.fileio.minirgbd_constants import (
    DEPTH_PATTERN, HEAD, IMAGE_SIZE, INTRINSICS, JOINTS_2D_PATTERN, JOINTS_3D_PATTERN,
    MASK_PATTERN, NECK, PARENTS, RGB_PATTERN)
from infant_mmpose.fileio.minirgbd_reader import MiniRGBDReader
from infant_mmpose.synthetic.minirgbd import (generate_minirgbd, pose_at,
                                                       sample_style)
from infant_mmpose.utils import PROJECT_ROOT

FX, FY, CX, CY = (INTRINSICS[k] for k in ('fx', 'fy', 'cx', 'cy'))


def load_tool(relative):
    """Import a script under tools/ as a module (runs its code, not a mock)."""
    path = osp.join(PROJECT_ROOT, 'tools', relative)
    spec = importlib.util.spec_from_file_location(osp.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read_rows(path):
    """Plain-text parse, independent of the project's reader."""
    with open(path) as f:
        return np.array([[float(v) for v in line.split()] for line in f])


def _frames(root):
    for seq in range(1, 13):
        seq_dir = osp.join(root, f'{seq:02d}')
        for name in sorted(os.listdir(osp.join(seq_dir, 'rgb'))):
            yield seq, seq_dir, int(name[4:9])


def test_layout_and_formats(minirgbd_root):
    seq_dir = osp.join(minirgbd_root, '01')
    for pattern in (RGB_PATTERN, DEPTH_PATTERN, MASK_PATTERN, JOINTS_2D_PATTERN,
                    JOINTS_3D_PATTERN):
        assert osp.isfile(osp.join(seq_dir, pattern.format(2))), pattern
    rgb = cv2.imread(osp.join(seq_dir, RGB_PATTERN.format(0)), cv2.IMREAD_UNCHANGED)
    depth = cv2.imread(osp.join(seq_dir, DEPTH_PATTERN.format(0)), cv2.IMREAD_UNCHANGED)
    mask = cv2.imread(osp.join(seq_dir, MASK_PATTERN.format(0)), cv2.IMREAD_UNCHANGED)
    assert rgb.shape == (IMAGE_SIZE[1], IMAGE_SIZE[0], 3) and rgb.dtype == np.uint8
    assert depth.shape == (480, 640) and depth.dtype == np.uint16
    assert mask.shape == (480, 640) and set(np.unique(mask)) == {0, 255}
    for pattern in (JOINTS_2D_PATTERN, JOINTS_3D_PATTERN):
        with open(osp.join(seq_dir, pattern.format(0))) as f:
            lines = f.read().splitlines()
        assert len(lines) == 25
        # single-space separated "a b c id", ids 0..24 in order
        assert [line.split(' ')[3] for line in lines] == [str(i) for i in range(25)]
    # the camera looks down on the mat from 0.5-1.0 m
    assert 500 <= np.median(depth) <= 1000


def test_every_frame_is_physically_consistent(minirgbd_root):
    """Projection, mask and depth agree with the 3D joints in every frame."""
    checked = own_surface = hidden = in_image = 0
    for seq, seq_dir, frame in _frames(minirgbd_root):
        j2d = _read_rows(osp.join(seq_dir, JOINTS_2D_PATTERN.format(frame)))
        j3d = _read_rows(osp.join(seq_dir, JOINTS_3D_PATTERN.format(frame)))[:, :3] * 1000
        # 2D joints are the exact pinhole projection of the 3D joints
        u = FX * j3d[:, 0] / j3d[:, 2] + CX
        v = FY * j3d[:, 1] / j3d[:, 2] + CY
        assert np.abs(u - j2d[:, 0]).max() < 0.01 and np.abs(v - j2d[:, 1]).max() < 0.01
        # the third 2Ddep column is the joint's camera depth in mm
        np.testing.assert_allclose(j2d[:, 2], j3d[:, 2], atol=1e-3)

        mask = cv2.imread(osp.join(seq_dir, MASK_PATTERN.format(frame)), cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(osp.join(seq_dir, DEPTH_PATTERN.format(frame)),
                           cv2.IMREAD_UNCHANGED).astype(np.float64)
        body = mask > 0
        assert body.any(), f'empty mask in sequence {seq} frame {frame}'
        # the infant sits inside the image, not cut by every border
        rows, cols = np.flatnonzero(body.any(1)), np.flatnonzero(body.any(0))
        assert rows[0] > 0 or rows[-1] < 479
        assert cols[0] > 0 and cols[-1] < 639
        # body pixels are nearer than every mat pixel (the infant lies on it)
        assert depth[body].max() < depth[~body].min()

        ui, vi = np.round(j2d[:, 0]).astype(int), np.round(j2d[:, 1]).astype(int)
        inside = (ui >= 0) & (ui < 640) & (vi >= 0) & (vi < 480)
        in_image += inside.sum()
        d = depth[vi[inside], ui[inside]]
        z = j3d[inside, 2]
        # each joint lies inside the body: the mask covers it and the visible
        # surface along its ray is at or in front of it
        assert body[vi[inside], ui[inside]].all()
        assert (d <= z + 2).all()
        # visible joints: the surface seen there is the joint's own body part
        # (within a limb/trunk radius); others are hidden by another part
        own_surface += (z - d < 60).sum()
        hidden += (z - d >= 60).sum()
        checked += 1
    assert checked == 36
    assert own_surface / in_image > 0.75
    # ... and self-occlusion happens (limbs over the trunk, head over the neck)
    assert hidden > 0
    assert in_image / (checked * 25) > 0.95


def test_reader_returns_exactly_what_was_generated(minirgbd_root):
    seqs = MiniRGBDReader(minirgbd_root, 'all', use_cache=False).load()
    assert [s.sequence for s in seqs] == list(range(1, 13))
    for seq in seqs:
        style = sample_style(np.random.default_rng([0, seq.sequence]))
        np.testing.assert_array_equal(seq.frames, [0, 1, 2])
        for i, frame in enumerate(seq.frames):
            pose = pose_at(style, int(frame))
            np.testing.assert_allclose(seq.joints_3d_mm[i], pose.joints, atol=1e-5)
            uv = np.stack([FX * pose.joints[:, 0] / pose.joints[:, 2] + CX,
                           FY * pose.joints[:, 1] / pose.joints[:, 2] + CY], 1)
            np.testing.assert_allclose(seq.joints_2d[i], uv, atol=1e-5)
        # head length file = neck->head distance measured on the written joints
        np.testing.assert_allclose(
            seq.head_length_3d_mm,
            np.linalg.norm(seq.joints_3d_mm[:, HEAD] - seq.joints_3d_mm[:, NECK], axis=1).mean(),
            atol=1e-4)
        np.testing.assert_allclose(
            seq.head_length_2d_px,
            np.linalg.norm(seq.joints_2d[:, HEAD] - seq.joints_2d[:, NECK], axis=1).mean(),
            atol=1e-4)
        assert seq.head_length_source == 'file'


def test_infant_proportions_and_rigid_bones(minirgbd_root):
    seqs = MiniRGBDReader(minirgbd_root, 'all', use_cache=False).load()
    head_lengths = []
    for seq in seqs:
        j = seq.joints_3d_mm
        bones = np.stack([np.linalg.norm(j[:, c] - j[:, p], axis=1)
                          for c, p in enumerate(PARENTS) if p >= 0], 1)
        # bones keep their length while the infant moves
        assert np.ptp(bones, axis=0).max() < 1e-3
        head_lengths.append(seq.head_length_3d_mm)
        # crown-to-heel: pelvis->neck->nose chain plus the longer leg chain
        trunk = sum(np.linalg.norm(j[0, a] - j[0, b]) for a, b in
                    [(0, 3), (3, 6), (6, 9), (9, 12), (12, 15), (15, 24)])
        leg = sum(np.linalg.norm(j[0, a] - j[0, b]) for a, b in [(0, 1), (1, 4), (4, 7)])
        assert 450 < trunk + leg + 30 < 700, trunk + leg
    assert all(20 <= h <= 30 for h in head_lengths), head_lengths
    # sequences differ in body size
    assert np.ptp(head_lengths) > 2


def test_motion_is_smooth_and_sequences_differ(tmp_path):
    generate_minirgbd(str(tmp_path), sequences=[3], num_frames=12, seed=5,
                      annotations_only=True)
    seq = MiniRGBDReader(str(tmp_path), [3], use_cache=False).load()[0]
    step = np.linalg.norm(np.diff(seq.joints_3d_mm, axis=0), axis=2)
    # infants move: something moves every frame, but never jumps (<= 40 mm/frame)
    assert (step.max(1) > 0.5).all() and step.max() < 40
    style_a = sample_style(np.random.default_rng([0, 1]))
    style_b = sample_style(np.random.default_rng([0, 2]))
    assert not np.allclose(style_a.skin, style_b.skin)
    assert style_a.mat_distance != style_b.mat_distance


def test_deterministic_per_seed_and_cli(tmp_path):
    out_a, out_b, out_c = (str(tmp_path / n) for n in 'abc')
    generate_minirgbd(out_a, sequences=[2], num_frames=1, seed=7)
    generate_minirgbd(out_b, sequences=[2], num_frames=1, seed=7)
    generate_minirgbd(out_c, sequences=[2], num_frames=1, seed=8)
    files = [RGB_PATTERN.format(0), DEPTH_PATTERN.format(0), MASK_PATTERN.format(0),
             JOINTS_3D_PATTERN.format(0), 'head_length.txt']
    for name in files:
        assert filecmp.cmp(osp.join(out_a, '02', name), osp.join(out_b, '02', name),
                           shallow=False), name
    assert not filecmp.cmp(osp.join(out_a, '02', files[3]), osp.join(out_c, '02', files[3]),
                           shallow=False)
    # the command-line tool writes the same files as the Python API
    out_cli = str(tmp_path / 'cli')
    load_tool('make_synthetic_minirgbd.py').main(
        [out_cli, '--sequences', '2', '--frames', '1', '--seed', '7'])
    assert filecmp.cmp(osp.join(out_a, '02', files[3]), osp.join(out_cli, '02', files[3]),
                       shallow=False)
    assert sorted(os.listdir(out_cli)) == ['01', '02']


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError, match='1..12'):
        generate_minirgbd(str(tmp_path), sequences=[13], num_frames=1)
    with pytest.raises(ValueError, match='num_frames'):
        generate_minirgbd(str(tmp_path), num_sequences=1, num_frames=0)

"""Output files: structure, units, one CSV row per frame and joint, atomicity."""
import csv
import json
import os

import cv2
import numpy as np
import pytest

from infant_mmpose.apis.frame_source import Frame
from infant_mmpose.apis.pose_series import (STATUS_DETECTED, STATUS_PROPAGATED,
                                            STATUS_UNREADABLE, PoseSeries)
from infant_mmpose.apis.writers import (CSV_COLUMNS, JSON_FORMAT,
                                        VisualizationWriter, write_csv,
                                        write_json, write_npz)
from infant_mmpose.fileio.atomic import atomic_open, atomic_write_json
from infant_mmpose.structures.keypoint_definitions import get_definition

META = get_definition('mpii16')
K = META['num_keypoints']
NAMES = [META['keypoint_id2name'][i] for i in range(K)]


def make_series(num=4, unreadable=(2,), fps=25.0, seed=0) -> PoseSeries:
    rng = np.random.default_rng(seed)
    kp2 = rng.uniform(10, 50, size=(num, K, 2))
    scores = rng.uniform(0.2, 1.0, size=(num, K))
    kp3 = rng.uniform(-300, 300, size=(num, K, 3))
    kp3[:, 6] = 0.0   # root-relative: pelvis at the origin
    boxes = np.tile([5.0, 6.0, 58.0, 44.0], (num, 1))
    box_scores = rng.uniform(0.5, 1, size=num)
    status = [STATUS_DETECTED if t % 2 == 0 else STATUS_PROPAGATED
              for t in range(num)]
    for t in unreadable:
        kp2[t] = kp3[t] = boxes[t] = np.nan
        scores[t] = box_scores[t] = np.nan
        status[t] = STATUS_UNREADABLE
    return PoseSeries(
        frame_index=np.arange(num), time_s=np.arange(num) / fps,
        frame_names=[f'v.mp4:{t:06d}' for t in range(num)], status=status,
        flags=[('grayscale',) if t == 1 else () for t in range(num)],
        bboxes=boxes, bbox_scores=box_scores, keypoints_2d=kp2,
        keypoint_scores=scores, keypoints_3d=kp3, joint_names=NAMES,
        keypoint_definition='mpii16',
        skeleton=[tuple(p) for p in META['skeleton_links']], fps=fps,
        source='v.mp4', image_sizes=np.tile([64, 48], (num, 1)))


def test_json_is_mmpose_style_with_units(tmp_path):
    s = make_series()
    path = write_json(str(tmp_path / 'out' / 'run.json'), s, dict(input_kind='video'))
    doc = json.load(open(path))   # strict JSON: NaN would not parse in other tools
    assert doc['format'] == JSON_FORMAT
    meta = doc['meta']
    assert meta['joint_names'] == NAMES and meta['keypoint_definition'] == 'mpii16'
    assert meta['fps'] == 25.0 and meta['num_frames'] == 4
    assert meta['units']['keypoints_3d'].startswith('mm')
    assert meta['units']['keypoints'] == 'px' and meta['input_kind'] == 'video'
    assert len(doc['frames']) == 4
    f0 = doc['frames'][0]
    assert f0['frame_id'] == 0 and f0['status'] == STATUS_DETECTED
    inst = f0['instances'][0]
    assert set(inst) == {'bbox', 'bbox_score', 'keypoints', 'keypoint_scores',
                         'keypoints_3d'}
    np.testing.assert_allclose(inst['keypoints'], s.keypoints_2d[0])
    np.testing.assert_allclose(inst['keypoints_3d'], s.keypoints_3d[0])
    np.testing.assert_allclose(inst['bbox'], s.bboxes[:1])
    assert doc['frames'][1]['flags'] == ['grayscale']
    assert doc['frames'][1]['time'] == pytest.approx(0.04)
    bad = doc['frames'][2]
    assert bad['status'] == STATUS_UNREADABLE
    assert bad['instances'][0]['keypoints'][0] == [None, None]
    assert bad['instances'][0]['bbox_score'] is None


def test_csv_one_row_per_frame_and_joint(tmp_path):
    s = make_series(num=5, unreadable=(3,))
    path = write_csv(str(tmp_path / 'run.csv'), s)
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == 5 * K
    assert [r['joint'] for r in rows[:K]] == NAMES
    for r in rows:
        t, k = int(r['frame']), NAMES.index(r['joint'])
        assert float(r['time']) == pytest.approx(t / 25.0)
        assert r['status'] == s.status[t]
        if t == 3:
            assert r['x'] == r['X'] == r['score'] == ''
            continue
        assert float(r['x']) == pytest.approx(s.keypoints_2d[t, k, 0], abs=1e-3)
        assert float(r['y']) == pytest.approx(s.keypoints_2d[t, k, 1], abs=1e-3)
        assert float(r['score']) == pytest.approx(s.keypoint_scores[t, k], abs=1e-4)
        np.testing.assert_allclose([float(r['X']), float(r['Y']), float(r['Z'])],
                                   s.keypoints_3d[t, k], atol=1e-3)


def test_csv_opens_in_pandas(tmp_path):
    pd = pytest.importorskip('pandas')
    s = make_series()
    df = pd.read_csv(write_csv(str(tmp_path / 'run.csv'), s))
    assert list(df.columns) == list(CSV_COLUMNS)
    assert len(df) == 4 * K and df['X'].isna().sum() == K


def test_npz_arrays_roundtrip(tmp_path):
    s = make_series()
    path = write_npz(str(tmp_path / 'run.npz'), s)
    with np.load(path) as z:
        np.testing.assert_allclose(z['keypoints_3d'], s.keypoints_3d, rtol=1e-6)
        np.testing.assert_allclose(z['keypoints_2d'], s.keypoints_2d, rtol=1e-6)
        assert z['keypoints_3d'].shape == (4, K, 3)
        assert list(z['status']) == s.status
        assert list(z['joint_names']) == NAMES
        np.testing.assert_array_equal(z['frame_index'], np.arange(4))
        assert float(z['fps']) == 25.0
        assert z['skeleton'].shape == (len(META['skeleton_links']), 2)


def test_atomic_open_never_leaves_half_written_file(tmp_path):
    path = tmp_path / 'run.json'
    path.write_text('previous complete output')
    with pytest.raises(RuntimeError):
        with atomic_open(str(path)) as f:
            f.write('{"half": ')
            raise RuntimeError('interrupted')
    assert path.read_text() == 'previous complete output'
    assert os.listdir(tmp_path) == ['run.json']   # no temporary left behind
    write_json(str(path), make_series())
    assert json.load(open(path))['format'] == JSON_FORMAT
    assert os.listdir(tmp_path) == ['run.json']


def test_atomic_write_json_keeps_the_old_file_when_serialising_fails(tmp_path):
    path = tmp_path / 'sub' / 'result.json'
    atomic_write_json(str(path), {'a': 1})      # creates the folder
    with pytest.raises(TypeError):
        atomic_write_json(str(path), {'a': object()})  # not JSON: fails mid-dump
    assert json.loads(path.read_text()) == {'a': 1}
    assert os.listdir(path.parent) == ['result.json']


def test_pose_series_checks_shapes():
    s = make_series()
    with pytest.raises(ValueError, match='keypoints_3d'):
        PoseSeries(**{**s.__dict__, 'keypoints_3d': s.keypoints_3d[:, :5]})
    with pytest.raises(ValueError, match='unknown status'):
        PoseSeries(**{**s.__dict__, 'status': ['fine'] * 4})


def _frames(num, w=64, h=48):
    return [Frame(t, np.full((h, w, 3), 40 * t, np.uint8), f'v.mp4:{t:06d}')
            for t in range(num)]


@pytest.mark.parametrize('lost', [0, 1])
def test_visualization_video_has_every_frame(tmp_path, lost):
    """A lost frame (even the first) becomes a black frame: timing is kept."""
    s = make_series(num=3, unreadable=(lost,))
    frames = _frames(3)
    frames[lost] = Frame(lost, None, f'v.mp4:{lost:06d}', ('unreadable',))
    out = str(tmp_path / 'vis.mp4')
    writer = VisualizationWriter(out, s.fps, META, META, axis_limit=800)
    for t, frame in enumerate(frames):
        writer.add(frame, s, t)
        assert not os.path.exists(out)   # only the finished video appears
    writer.close()
    cap = cv2.VideoCapture(out)
    images = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        images.append(img)
    cap.release()
    assert len(images) == 3
    assert images[lost].max() < 20 and images[2].max() > 100
    sizes = {img.shape for img in images}
    assert len(sizes) == 1
    (h, w, _), = sizes
    assert w > 64 and h >= 48   # frame with 2D skeleton beside the 3D view


def test_visualization_pngs_and_drawing(tmp_path):
    s = make_series(num=2, unreadable=())
    frames = _frames(2)
    writer = VisualizationWriter(str(tmp_path / 'vis'), s.fps, META, META)
    drawn = writer.draw(frames[0].image, s, 0)
    # left part: the input frame with the skeleton drawn on it
    assert drawn.shape[1] > 64
    assert np.any(drawn[:48, :64] != frames[0].image[..., ::-1])
    for t, frame in enumerate(frames):
        writer.add(frame, s, t)
    writer.close()
    assert sorted(os.listdir(tmp_path / 'vis')) == ['v.mp4_000000.png',
                                                    'v.mp4_000001.png']
    img = cv2.imread(str(tmp_path / 'vis' / 'v.mp4_000000.png'))
    assert img.shape[:2] == drawn.shape[:2]


def test_failed_visualization_leaves_no_video(tmp_path):
    s = make_series(num=2, unreadable=())
    out = str(tmp_path / 'vis.mp4')
    writer = VisualizationWriter(out, s.fps, META, META)
    writer.add(_frames(1)[0], s, 0)
    writer.close(success=False)
    assert os.listdir(tmp_path) == []


def _drawn_point_radius(drawn, centre, colour_rgb):
    """Radius (px) of the disc of ``colour_rgb`` around ``centre`` (x, y):
    the farthest pixel of that colour in a 60 px window."""
    x, y = int(round(centre[0])), int(round(centre[1]))
    window = drawn[max(0, y - 30):y + 31, max(0, x - 30):x + 31].astype(int)
    match = np.abs(window - np.asarray(colour_rgb)).sum(-1) < 40
    ys, xs = np.nonzero(match)
    return float(np.hypot(xs - (x - max(0, x - 30)),
                          ys - (y - max(0, y - 30))).max())


def test_drawing_sizes_scale_with_the_image(tmp_path):
    """Points and lines grow with the frame: sqrt(area / 640 x 480) x the
    640 x 480 sizes, so a 3 MP photo is not drawn with 3 px points."""
    from infant_mmpose.apis.writers import drawing_scale
    assert drawing_scale(640, 480) == 1.0
    assert drawing_scale(2048, 1536) == pytest.approx(3.2)
    assert drawing_scale(64, 48) == 0.5
    writer = VisualizationWriter(str(tmp_path / 'vis'), 25.0, META, META,
                                 kpt_thr=0.5)
    radii = {}
    for w, h in ((640, 480), (2048, 1536)):
        s = make_series(num=1, unreadable=())
        # one joint drawn (the others score below kpt_thr: no points, no
        # links), on a black frame
        s.keypoints_2d[0] = [w / 2, h / 2]
        s.keypoints_2d[0, 0] = [w * 0.2, h * 0.2]
        s.keypoint_scores[0] = 0.0
        s.keypoint_scores[0, 0] = 1.0
        s.bboxes[0] = [1, 1, w - 2, h - 2]
        drawn = writer.draw(np.zeros((h, w, 3), np.uint8), s, 0)
        colour = writer.visualizer.kpt_color[0]
        radii[w] = _drawn_point_radius(drawn, s.keypoints_2d[0, 0], colour)
        assert writer.visualizer.radius == round(3 * drawing_scale(w, h))
        assert writer.visualizer.line_width == round(drawing_scale(w, h))
        # the 3D panel is square, as tall as the frame
        assert drawn.shape == (h, w + h, 3)
    assert 2 <= radii[640] <= 4
    assert radii[2048] >= 3 * radii[640] - 1


def test_3d_panel_has_a_millimetre_scale_and_a_title(tmp_path):
    writer = VisualizationWriter(str(tmp_path / 'vis'), 25.0, META, META,
                                 axis_limit=700)
    s = make_series(num=1, unreadable=())
    texts = []
    import matplotlib.axes
    original = matplotlib.axes.Axes.set_title

    def record(ax, label, *args, **kwargs):
        texts.append(label)
        return original(ax, label, *args, **kwargs)

    matplotlib.axes.Axes.set_title = record
    try:
        panel = writer.draw_3d_panel(s.keypoints_3d[0], 480, 'v.mp4:000000')
    finally:
        matplotlib.axes.Axes.set_title = original
    assert panel.shape == (480, 480, 3) and panel.dtype == np.uint8
    assert texts == ['3D pose, mm from the pelvis\nv.mp4:000000']
    # drawn: something other than the white background
    assert (panel < 200).any()
    empty = writer.draw_3d_panel(None, 480, 'v.mp4:000001')
    assert empty.shape == (480, 480, 3)

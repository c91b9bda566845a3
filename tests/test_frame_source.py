"""Frame sources: every readable frame is yielded in order, bad input is named."""
import os

import cv2
import numpy as np
import pytest
from video_helpers import corrupt_jpeg_frame, write_mjpg_video

from infant_mmpose.apis.frame_source import (FLAG_ALPHA_DROPPED, FLAG_GRAYSCALE,
                                             FLAG_HIGH_BIT_DEPTH, FLAG_UNREADABLE,
                                             FrameSourceError, open_frame_source,
                                             to_bgr8)


def _frame(i: int, w: int = 64, h: int = 48) -> np.ndarray:
    """A BGR frame whose mean brightness encodes its number."""
    return np.full((h, w, 3), 10 + 20 * i, np.uint8)


def test_single_image(tmp_path):
    path = str(tmp_path / 'a.png')
    cv2.imwrite(path, _frame(2))
    src = open_frame_source(path, fps=5)
    frames = list(src)
    assert src.kind == 'image' and src.num_frames == 1 and src.fps == 5
    assert len(frames) == 1 and frames[0].readable
    assert frames[0].image.shape == (48, 64, 3) and frames[0].image.dtype == np.uint8
    assert frames[0].name == 'a.png' and frames[0].flags == ()


def test_folder_sorted_with_bad_and_odd_images(tmp_path):
    cv2.imwrite(str(tmp_path / 'f002.png'), _frame(2))
    cv2.imwrite(str(tmp_path / 'f000.png'), _frame(0))
    cv2.imwrite(str(tmp_path / 'f003.png'), _frame(3, w=37, h=23))   # odd size
    cv2.imwrite(str(tmp_path / 'f004.png'), _frame(4)[..., 0])        # grayscale
    (tmp_path / 'f001.png').write_bytes(b'not a png at all')           # corrupt
    (tmp_path / 'notes.txt').write_text('ignored')
    src = open_frame_source(str(tmp_path))
    frames = list(src)
    assert src.kind == 'folder' and src.num_frames == 5
    assert [f.name for f in frames] == ['f000.png', 'f001.png', 'f002.png',
                                        'f003.png', 'f004.png']
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    bad = frames[1]
    assert not bad.readable and bad.flags == (FLAG_UNREADABLE,)
    assert 'f001.png' in bad.message
    assert frames[3].image.shape == (23, 37, 3)
    assert frames[4].flags == (FLAG_GRAYSCALE,) and frames[4].image.shape == (48, 64, 3)
    assert int(frames[2].image.mean()) == 50
    # file sources can be read again (the visualisation pass does)
    assert [f.name for f in src] == [f.name for f in frames]


def test_image_conversions(tmp_path):
    rgba = np.dstack([_frame(1), np.full((48, 64), 128, np.uint8)])
    cv2.imwrite(str(tmp_path / 'rgba.png'), rgba)
    deep = (np.full((48, 64, 3), 65535, np.uint16))
    cv2.imwrite(str(tmp_path / 'deep.png'), deep)
    f_rgba = next(iter(open_frame_source(str(tmp_path / 'rgba.png'))))
    f_deep = next(iter(open_frame_source(str(tmp_path / 'deep.png'))))
    assert f_rgba.image.shape == (48, 64, 3)
    np.testing.assert_array_equal(f_rgba.image, _frame(1))
    assert f_deep.flags == (FLAG_HIGH_BIT_DEPTH,) and f_deep.image.dtype == np.uint8
    assert f_deep.image.max() == 255
    # arrays from other decoders: alpha and single-channel axes handled too
    image, flags, _ = to_bgr8(rgba)
    assert flags == (FLAG_ALPHA_DROPPED,) and image.shape == (48, 64, 3)
    image, flags, _ = to_bgr8(_frame(0)[..., :1])
    assert flags == (FLAG_GRAYSCALE,) and image.shape == (48, 64, 3)
    image, flags, _ = to_bgr8(np.full((4, 4, 3), 0.5, np.float32))
    assert flags == (FLAG_HIGH_BIT_DEPTH,) and image.max() == 128


def test_phone_photo_exif_orientation_is_applied(tmp_path):
    """Phones store portrait photos landscape plus an EXIF rotation tag."""
    from PIL import Image
    img = np.zeros((48, 64, 3), np.uint8)
    img[:, :8] = 255                      # a white band on the left edge
    exif = Image.Exif()
    exif[0x0112] = 6                      # orientation: rotate 90 deg clockwise
    path = str(tmp_path / 'phone.jpg')
    Image.fromarray(img).save(path, exif=exif.tobytes(), quality=95)
    frame = next(iter(open_frame_source(path)))
    assert frame.image.shape == (64, 48, 3)
    assert frame.image[:8].mean() > 200   # the band is now along the top


@pytest.mark.parametrize('make,match', [
    (lambda p: None, 'no such file'),
    (lambda p: p.with_suffix('.png').write_bytes(b'\x89PNG broken'), 'cannot be decoded'),
    (lambda p: cv2.imwrite(str(p.with_suffix('.png')), np.zeros((1, 1, 3), np.uint8)),
     'too small'),
    (lambda p: p.with_suffix('.txt').write_text('hello'), 'unknown input type'),
])
def test_bad_single_inputs_raise_clear_errors(tmp_path, make, match):
    base = tmp_path / 'input'
    make(base)
    candidates = [p for p in tmp_path.iterdir()] or [base]
    with pytest.raises(FrameSourceError, match=match) as err:
        open_frame_source(str(candidates[0]))
    assert str(candidates[0]) in str(err.value)


def test_empty_folder(tmp_path):
    (tmp_path / 'readme.md').write_text('no images here')
    with pytest.raises(FrameSourceError, match='no image files'):
        open_frame_source(str(tmp_path))


def test_video_frames_fps_and_count(tmp_path):
    path = write_mjpg_video(tmp_path / 'v.avi', [_frame(i) for i in range(6)], 12.5)
    src = open_frame_source(path)
    frames = list(src)
    assert src.kind == 'video' and src.num_frames == 6 and src.fps == pytest.approx(12.5)
    assert [f.index for f in frames] == list(range(6))
    assert all(f.readable for f in frames)
    # MJPEG is lossy: the brightness code survives within a few levels
    assert [round((f.image.mean() - 10) / 20) for f in frames] == list(range(6))
    assert frames[3].name == 'v.avi:000003'


def test_corrupt_frame_mid_video_is_flagged_and_alignment_kept(tmp_path):
    path = write_mjpg_video(tmp_path / 'v.avi', [_frame(i) for i in range(8)])
    corrupt_jpeg_frame(path, 4)
    frames = list(open_frame_source(path))
    assert len(frames) == 8
    assert [f.index for f in frames] == list(range(8))
    assert not frames[4].readable and frames[4].flags == (FLAG_UNREADABLE,)
    assert 'frame 4' in frames[4].message
    # frames after the damage still carry their own content, not a neighbour's
    for i in (3, 5, 7):
        assert round((frames[i].image.mean() - 10) / 20) == i


def test_corrupt_first_frame_is_not_an_empty_video(tmp_path):
    path = write_mjpg_video(tmp_path / 'v.avi', [_frame(i) for i in range(4)])
    corrupt_jpeg_frame(path, 0)
    frames = list(open_frame_source(path))
    assert [f.readable for f in frames] == [False, True, True, True]


@pytest.mark.parametrize('content', [b'', b'this is not a video' * 10])
def test_video_with_no_frames(tmp_path, content):
    path = tmp_path / 'empty.mp4'
    path.write_bytes(content)
    with pytest.raises(FrameSourceError, match='empty.mp4') as err:
        open_frame_source(str(path))
    assert 'no readable frames' in str(err.value) or 'cannot open' in str(err.value)


def test_video_writer_with_zero_frames(tmp_path):
    path = tmp_path / 'zero.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10, (64, 48))
    writer.release()
    if not path.exists():
        pytest.skip('OpenCV wrote no file for a frameless video')
    with pytest.raises(FrameSourceError, match='zero.avi'):
        open_frame_source(str(path))


def test_camera_that_does_not_open():
    with pytest.raises(FrameSourceError, match='camera 97'):
        open_frame_source(97)
    with pytest.raises(FrameSourceError, match='camera 96'):
        open_frame_source('96')


def test_digit_string_that_is_a_path_is_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir('7')
    cv2.imwrite(os.path.join('7', 'a.png'), _frame(0))
    src = open_frame_source('7')
    assert src.kind == 'folder' and src.num_frames == 1


def test_truncated_jpeg_is_processed_and_flagged(tmp_path):
    """OpenCV decodes a JPEG cut short without an error (grey below the
    last intact block); the frame stays readable and is flagged."""
    from infant_mmpose.apis.frame_source import (FLAG_TRUNCATED,
                                                 image_file_damage)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
    ok, data = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    whole, cut = tmp_path / 'f0_whole.jpg', tmp_path / 'f1_cut.jpg'
    whole.write_bytes(data.tobytes())
    cut.write_bytes(data.tobytes()[:len(data) // 2])
    frames = list(open_frame_source(str(tmp_path)))
    assert [f.name for f in frames] == ['f0_whole.jpg', 'f1_cut.jpg']
    assert frames[0].flags == () and frames[0].message == ''
    assert image_file_damage(str(whole)) == ''
    partial = frames[1]
    assert partial.readable and partial.image.shape == (240, 320, 3)
    assert partial.flags == (FLAG_TRUNCATED, )
    assert 'decoded only in part' in partial.message
    # what OpenCV made of the missing half: the top rows as in the whole
    # file, the bottom rows lost
    full = frames[0].image.astype(int)
    assert np.array_equal(partial.image[:40], frames[0].image[:40])
    assert np.abs(partial.image[-40:].astype(int) - full[-40:]).mean() > 30

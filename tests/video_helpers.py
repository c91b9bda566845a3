"""Writing small test videos, and damaging one frame of them."""
import cv2


def write_mjpg_video(path, frames, fps=10.0):
    """Write BGR ``frames`` as an MJPG AVI (one JPEG per frame); return path."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps,
                             frames[0].shape[1::-1])
    for f in frames:
        writer.write(f)
    writer.release()
    return str(path)


def corrupt_jpeg_frame(path, index):
    """Zero the JPEG data of frame ``index`` in an MJPG AVI (SOI markers)."""
    data = bytearray(open(path, 'rb').read())
    starts = [i for i in range(len(data) - 2)
              if data[i] == 0xFF and data[i + 1] == 0xD8 and data[i + 2] == 0xFF]
    start, end = starts[index], starts[index + 1]
    data[start:end - 8] = bytes(end - 8 - start)
    open(path, 'wb').write(bytes(data))

"""Draw one MINI-RGBD frame for a visual check: image + box + 2D skeleton,
depth map, and the 3D skeleton, side by side in one PNG.
"""
import os
import os.path as osp
from typing import Optional

import numpy as np

from ..utils import config_path
from ..structures.bbox import bbox_from_mask
from ..fileio.minirgbd_reader import PELVIS, MiniRGBDReader, load_frame_images


def _skeleton_style():
    """(links [(a, b)], colours [(r, g, b) in 0..1]) from the metainfo config."""
    from mmengine import Config
    info = Config.fromfile(config_path('_base_/datasets/minirgbd.py')).dataset_info
    index = {kp['name']: i for i, kp in info.keypoint_info.items()}
    links, colours = [], []
    for link in info.skeleton_info.values():
        links.append((index[link['link'][0]], index[link['link'][1]]))
        colours.append(np.array(link['color']) / 255.0)
    return links, colours


def draw_minirgbd_sample(data_root: str, sequence: int, frame: int, out_file: str,
                         bbox_padding: float = 5.0, title: Optional[str] = None) -> str:
    """Render sequence/frame of a MINI-RGBD root to ``out_file`` (PNG); returns the path.

    Raises:
        ValueError: the frame is not among the reader's usable frames.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    seq = MiniRGBDReader(data_root, [sequence], use_cache=False).load()[0]
    hits = np.flatnonzero(seq.frames == frame)
    if hits.size == 0:
        raise ValueError(f'sequence {sequence} frame {frame} is not a usable frame of '
                         f'{data_root} (missing or skipped)')
    i = int(hits[0])
    images = load_frame_images(seq, frame)
    rgb, depth, mask = images['rgb'], images['depth'], images['mask']
    uv, xyz = seq.joints_2d[i], seq.joints_3d_mm[i]
    box, source = bbox_from_mask(mask, bbox_padding, keypoints=uv)
    links, colours = _skeleton_style()

    fig = plt.figure(figsize=(15, 4.6))
    ax = fig.add_subplot(1, 3, 1)
    ax.imshow(rgb)
    x1, y1, x2, y2 = box
    ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color='yellow',
                               lw=1.5, label=f'box ({source})'))
    for (a, b), c in zip(links, colours):
        ax.plot(uv[[a, b], 0], uv[[a, b], 1], color=c, lw=2)
    ax.scatter(uv[:, 0], uv[:, 1], s=9, c='white', edgecolors='black', linewidths=0.5,
               zorder=3)
    ax.set_title(f'sequence {sequence:02d} frame {frame:05d}: RGB, box, 2D joints')
    ax.legend(loc='lower right', fontsize=7)
    ax.axis('off')

    ax = fig.add_subplot(1, 3, 2)
    shown = ax.imshow(depth.astype(np.float32), cmap='viridis')
    fig.colorbar(shown, ax=ax, fraction=0.035, label='depth (mm)')
    ax.set_title('16-bit depth')
    ax.axis('off')

    ax = fig.add_subplot(1, 3, 3, projection='3d')
    rel = xyz - xyz[PELVIS]
    # camera axes (x right, y down, z away): plot z as "up" seen from the side
    for (a, b), c in zip(links, colours):
        ax.plot(rel[[a, b], 0], rel[[a, b], 2], -rel[[a, b], 1], color=c, lw=2)
    ax.scatter(rel[:, 0], rel[:, 2], -rel[:, 1], s=8, c='k')
    span = np.abs(rel).max()
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_zlim(-span, span)
    ax.set_xlabel('x (mm)')
    ax.set_ylabel('z (mm)')
    ax.set_zlabel('-y (mm)')
    ax.view_init(elev=20, azim=-60)
    ax.set_box_aspect(None, zoom=0.85)  # keep the axis labels inside the figure
    ax.set_title('3D joints, pelvis-centred (mm)')
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file, dpi=90)
    plt.close(fig)
    return out_file

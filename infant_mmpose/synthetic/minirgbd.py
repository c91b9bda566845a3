"""Synthetic MINI-RGBD: an articulated infant rendered in the real file format.

The real MINI-RGBD release cannot be downloaded here, so this generator writes
data in exactly its layout (FACTS.md §1) and is the project's default data:

``<out>/<NN>/rgb/syn_%05d.png`` (8-bit RGB), ``depth/syn_%05d_depth.png``
(16-bit, millimetres), ``fg_mask/mask_%05d.png`` (8-bit, 255 = infant),
``joints_2Ddep/syn_joints_2Ddep_%05d.txt`` (25 lines ``u v d id``: pixels and
the joint's camera depth in millimetres) and ``joints_3D/syn_joints_3D_%05d.txt``
(25 lines ``x y z id``: camera coordinates in metres). Each sequence also gets
``head_length.txt`` (not in the real release, see :func:`write_head_length`).

The infant is a 25-joint SMIL-ordered skeleton (about 0.5-0.7 m, big head, a
neck->head segment of 20-30 mm) lying supine on a textured mat under an
overhead camera 0.6-1.0 m away. Joint angles follow smooth sums of sinusoids
clipped to joint limits (kicking, arm waving, head turning). Body parts are
ellipsoids ray-cast per pixel with the official intrinsics into one z-buffer,
so RGB, depth and mask agree, self-occlusion included, and the 2D joints are
the exact projection of the 3D joints.

Randomness comes from ``numpy.random.default_rng([seed, sequence])``, so a
sequence is the same whatever other sequences are generated alongside it.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import cv2
import numpy as np

from ..fileio.minirgbd_constants import (DEPTH_PATTERN, HEAD, HEAD_LENGTH_FILE,
                                 IMAGE_SIZE, INTRINSICS, JOINTS_2D_PATTERN,
                                 JOINTS_3D_PATTERN, MASK_PATTERN, NECK,
                                 NUM_JOINTS, PARENTS, RGB_PATTERN,
                                 resolve_sequences, sequence_dir_name)

FPS = 25.0  # time base of the motion model (frames per second)
# Speed over file size: PNG encoding dominates the generator's time.
_PNG_FAST = [cv2.IMWRITE_PNG_COMPRESSION, 1]
_PNG_FAST_RGB = _PNG_FAST + [cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY]

# Rest pose: offset of each joint from its parent, in the body frame, mm, for
# a ~0.6 m infant. Body frame: +X = infant's left, +Y = towards the head,
# +Z = anterior (towards the camera when supine).
_REST_OFFSETS_MM = np.array([
    [0, 0, 0],  # 0 pelvis (root)
    [42, -22, 0],  # 1 leftThigh (hip)
    [-42, -22, 0],  # 2 rightThigh
    [0, 50, 4],  # 3 spine
    [0, -112, 0],  # 4 leftCalf (knee)
    [0, -112, 0],  # 5 rightCalf
    [0, 48, 2],  # 6 spine1
    [0, -98, 0],  # 7 leftFoot (ankle)
    [0, -98, 0],  # 8 rightFoot
    [0, 46, 0],  # 9 spine2
    [0, -14, 44],  # 10 leftToes
    [0, -14, 44],  # 11 rightToes
    [0, 52, -6],  # 12 neck
    [28, 32, -4],  # 13 leftShoulder (collar)
    [-28, 32, -4],  # 14 rightShoulder
    [0, 24, 6],  # 15 head (neck->head = head segment, ~25 mm)
    [48, -4, 0],  # 16 leftUpperArm (shoulder)
    [-48, -4, 0],  # 17 rightUpperArm
    [0, -88, 0],  # 18 leftForeArm (elbow)
    [0, -88, 0],  # 19 rightForeArm
    [0, -74, 0],  # 20 leftHand (wrist)
    [0, -74, 0],  # 21 rightHand
    [0, -34, 0],  # 22 leftFingers
    [0, -34, 0],  # 23 rightFingers
    [0, 40, 62],  # 24 noseVertex (front of the face)
], dtype=np.float64)

# Degrees of freedom of the motion model: (joint, axis, low, high) in degrees.
# Rotations are local (in the parent's frame); axis x flexes in the sagittal
# plane, z abducts, y twists. Signs follow the body frame above.
_DOFS: List[Tuple[str, int, str, float, float]] = [
    ('hip_flex_l', 1, 'x', -100.0, -20.0),
    ('hip_flex_r', 2, 'x', -100.0, -20.0),
    ('hip_abd_l', 1, 'z', 5.0, 40.0),
    ('hip_abd_r', 2, 'z', -40.0, -5.0),
    ('knee_l', 4, 'x', 10.0, 120.0),
    ('knee_r', 5, 'x', 10.0, 120.0),
    ('ankle_l', 7, 'x', -20.0, 20.0),
    ('ankle_r', 8, 'x', -20.0, 20.0),
    ('spine_x', 3, 'x', -6.0, 6.0),
    ('spine_z', 6, 'z', -8.0, 8.0),
    ('chest_y', 9, 'y', -8.0, 8.0),
    ('neck_x', 12, 'x', -8.0, 8.0),
    ('head_turn', 15, 'y', -50.0, 50.0),
    ('head_nod', 15, 'x', -12.0, 12.0),
    ('shoulder_abd_l', 16, 'z', 15.0, 120.0),
    ('shoulder_abd_r', 17, 'z', -120.0, -15.0),
    ('shoulder_flex_l', 16, 'x', -80.0, 0.0),
    ('shoulder_flex_r', 17, 'x', -80.0, 0.0),
    ('elbow_l', 18, 'x', -130.0, -10.0),
    ('elbow_r', 19, 'x', -130.0, -10.0),
    ('wrist_l', 20, 'x', -30.0, 30.0),
    ('wrist_r', 21, 'x', -30.0, 30.0),
]
_AXES = {'x': 0, 'y': 1, 'z': 2}


def _axis_rotation(axis: int, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) about a body axis by ``angle`` radians."""
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros(np.shape(angle) + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


@dataclass
class SequenceStyle:
    """Everything that makes one generated sequence differ from the others."""
    scale: float  # body size factor (1.0 ~ 0.6 m crown to heel)
    chubbiness: float  # limb/trunk radius factor
    skin: np.ndarray  # (3,) RGB in 0..1
    diaper: np.ndarray  # (3,) RGB in 0..1
    hair: np.ndarray  # (3,) RGB in 0..1
    mat_distance: float  # camera -> mat along the optical axis, mm
    mat_tilt: np.ndarray  # (2,) small plane tilt (dz/dx, dz/dy)
    yaw: float  # in-plane rotation of the body, radians (0 = head up)
    offset_px: np.ndarray  # (2,) image offset of the body centre
    activity: float  # motion amplitude factor in 0.5..1
    light_dir: np.ndarray  # (3,) mean light direction (towards the light)
    frequencies: np.ndarray  # (n_dof, 3) Hz
    phases: np.ndarray  # (n_dof, 3) radians
    weights: np.ndarray  # (n_dof, 3)
    root_freq: np.ndarray  # (3,) Hz of the slow root roll/pitch/yaw drift
    root_phase: np.ndarray  # (3,)


def sample_style(rng: np.random.Generator) -> SequenceStyle:
    """Draw one sequence's body, scene and motion parameters."""
    scale = rng.uniform(0.84, 1.12)
    skin_tones = np.array([[0.96, 0.80, 0.69], [0.92, 0.72, 0.58],
                           [0.80, 0.58, 0.43], [0.62, 0.43, 0.30],
                           [0.45, 0.31, 0.22], [0.98, 0.84, 0.76]])
    skin = skin_tones[rng.integers(len(skin_tones))] * rng.uniform(0.93, 1.05, 3)
    # Fit the infant in the 480-px image height: distance grows with size.
    mat_distance = float(np.clip(rng.uniform(1.4, 1.75) * 600 * scale, 600, 1000))
    n = len(_DOFS)
    light = np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5), -1.0])
    return SequenceStyle(
        scale=scale,
        chubbiness=rng.uniform(0.92, 1.15),
        skin=np.clip(skin, 0, 1),
        diaper=rng.uniform(0.55, 1.0, 3),
        hair=np.array([0.25, 0.17, 0.10]) * rng.uniform(0.6, 1.6),
        mat_distance=mat_distance,
        mat_tilt=rng.uniform(-0.05, 0.05, 2),
        yaw=np.deg2rad(rng.uniform(-30, 30)),
        offset_px=rng.uniform(-25, 25, 2),
        activity=rng.uniform(0.6, 1.0),
        light_dir=light / np.linalg.norm(light),
        frequencies=rng.uniform(0.08, 0.7, (n, 3)),
        phases=rng.uniform(0, 2 * np.pi, (n, 3)),
        weights=rng.uniform(0.2, 1.0, (n, 3)),
        root_freq=rng.uniform(0.02, 0.08, 3),
        root_phase=rng.uniform(0, 2 * np.pi, 3),
    )


def joint_angles(style: SequenceStyle, t: float) -> np.ndarray:
    """Angles (n_dof,) in radians at time ``t`` seconds, within the limits.

    Each DOF is ``mid + half_range * activity * s(t)`` with ``s`` a normalised
    sum of three sinusoids in [-1, 1], so motion is smooth and never leaves
    the joint's range.
    """
    waves = np.sin(2 * np.pi * style.frequencies * t + style.phases)
    s = (style.weights * waves).sum(1) / style.weights.sum(1)
    lo = np.array([d[3] for d in _DOFS])
    hi = np.array([d[4] for d in _DOFS])
    deg = (lo + hi) / 2 + (hi - lo) / 2 * style.activity * s
    names = [d[0] for d in _DOFS]
    # A supine infant's foot stays above the mat: the knee cannot fold the
    # shin further back than the hip lifts the thigh (plus a small margin).
    for side in 'lr':
        hip, knee = names.index(f'hip_flex_{side}'), names.index(f'knee_{side}')
        deg[knee] = min(deg[knee], -deg[hip] + 10.0)
    return np.deg2rad(deg)


def local_rotations(angles: np.ndarray) -> np.ndarray:
    """Per-joint local rotations (25, 3, 3) from the DOF angles."""
    rots = np.tile(np.eye(3), (NUM_JOINTS, 1, 1))
    for (_, joint, axis, _, _), angle in zip(_DOFS, angles):
        rots[joint] = rots[joint] @ _axis_rotation(_AXES[axis], angle)
    return rots


def forward_kinematics(offsets: np.ndarray, local: np.ndarray,
                       root_rot: np.ndarray, root_pos: np.ndarray
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """Joint positions (25, 3) mm and global rotations (25, 3, 3).

    ``local[j]`` rotates the subtree below joint ``j``; ``offsets[j]`` is the
    rest offset of ``j`` from its parent in the parent's frame.
    """
    pos = np.zeros((NUM_JOINTS, 3))
    glob = np.zeros((NUM_JOINTS, 3, 3))
    for j, parent in enumerate(PARENTS):  # parents precede children
        if parent < 0:
            glob[j] = root_rot @ local[j]
            pos[j] = root_pos
        else:
            glob[j] = glob[parent] @ local[j]
            pos[j] = pos[parent] + glob[parent] @ offsets[j]
    return pos, glob


def root_pose(style: SequenceStyle, t: float) -> Tuple[np.ndarray, np.ndarray]:
    """Body-to-camera rotation and pelvis position (mm) at time ``t``.

    Supine: the body's anterior axis points at the camera (-z), its head
    axis up the image (-y) turned by the sequence's yaw, with a slow drift
    and a small roll/pitch so the infant is not perfectly flat.
    """
    drift = np.sin(2 * np.pi * style.root_freq * t + style.root_phase)
    yaw = style.yaw + np.deg2rad(8) * drift[0]
    roll = np.deg2rad(8) * drift[1]
    pitch = np.deg2rad(4) * drift[2]
    # columns: body X (left) -> +x, body Y (head) -> -y, body Z (front) -> -z
    supine = np.array([[1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0]])
    rot = (_axis_rotation(2, yaw) @ supine @ _axis_rotation(1, roll)
           @ _axis_rotation(0, pitch))
    # pelvis 60 mm above the mat; body centre (between crown and heels, just
    # above the pelvis) near the image centre
    depth = style.mat_distance - 60 * style.scale * style.chubbiness
    centre_body = rot @ np.array([0, 25.0, 0]) * style.scale
    target_uv = np.array([INTRINSICS['cx'], INTRINSICS['cy']]) + style.offset_px
    ray = np.array([(target_uv[0] - INTRINSICS['cx']) / INTRINSICS['fx'],
                    (target_uv[1] - INTRINSICS['cy']) / INTRINSICS['fy']])
    pelvis = np.array([ray[0] * depth, ray[1] * depth, depth])
    pelvis[:2] -= centre_body[:2]
    return rot, pelvis


@dataclass
class Pose:
    """One frame of the skeleton: joints (25, 3) mm and global rotations."""
    joints: np.ndarray
    rotations: np.ndarray


def pose_at(style: SequenceStyle, frame: int) -> Pose:
    """The skeleton of a sequence at a frame index."""
    t = frame / FPS
    rot, pelvis = root_pose(style, t)
    joints, glob = forward_kinematics(
        _REST_OFFSETS_MM * style.scale, local_rotations(joint_angles(style, t)),
        rot, pelvis)
    return Pose(joints, glob)


# Body parts as ellipsoids (sizes in mm for scale 1). A segment (from joint,
# to joint, radius, colour) spans its two joints, overshooting each end by a
# third of its radius; a blob (joint, centre offset, radii, colour) sits in
# that joint's frame. Every joint lies inside at least one part (the depth
# checks rely on it).
_SEGMENTS = [
    (1, 4, 31, 'skin'), (2, 5, 31, 'skin'), (4, 7, 25, 'skin'),
    (5, 8, 25, 'skin'), (7, 10, 19, 'skin'), (8, 11, 19, 'skin'),
    (16, 18, 22, 'skin'), (17, 19, 22, 'skin'), (18, 20, 19, 'skin'),
    (19, 21, 19, 'skin'), (20, 22, 16, 'skin'), (21, 23, 16, 'skin'),
    (13, 16, 24, 'skin'), (14, 17, 24, 'skin'),
]
_BLOBS = [  # (joint, centre offset in joint frame mm, radii mm, colour)
    (0, (0, 8, 2), (76, 55, 50), 'diaper'),
    (3, (0, 48, 4), (80, 92, 52), 'skin'),  # belly
    (9, (0, 8, -4), (80, 62, 48), 'skin'),  # chest
    (12, (0, 0, -4), (34, 30, 34), 'skin'),
    (15, (0, 42, 8), (56, 66, 58), 'skin'),
    (15, (0, 56, -10), (55, 58, 50), 'hair'),
    (15, (19, 50, 57), (7, 6, 6), 'eyes'), (15, (-19, 50, 57), (7, 6, 6), 'eyes'),
    (24, (0, -4, -6), (10, 10, 10), 'skin'),
    (1, (0, 0, 0), (33, 33, 33), 'diaper'), (2, (0, 0, 0), (33, 33, 33), 'diaper'),
    (4, (0, 0, 0), (26, 26, 26), 'skin'), (5, (0, 0, 0), (26, 26, 26), 'skin'),
    (7, (0, 0, 0), (21, 21, 21), 'skin'), (8, (0, 0, 0), (21, 21, 21), 'skin'),
    (18, (0, 0, 0), (20, 20, 20), 'skin'), (19, (0, 0, 0), (20, 20, 20), 'skin'),
    (20, (0, 0, 0), (17, 17, 17), 'skin'), (21, (0, 0, 0), (17, 17, 17), 'skin'),
]


def body_parts(pose: Pose, style: SequenceStyle
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ellipsoids of the body: centres (P,3), axes (P,3,3), radii (P,3), colours (P,3)."""
    size = style.scale * style.chubbiness
    colours = dict(skin=style.skin, diaper=style.diaper, hair=style.hair,
                   eyes=np.array([0.12, 0.09, 0.08]))
    centres, axes, radii, cols = [], [], [], []
    for a, b, r, key in _SEGMENTS:
        pa, pb = pose.joints[a], pose.joints[b]
        along = pb - pa
        length = np.linalg.norm(along)
        y = along / max(length, 1e-6)
        # any unit vector perpendicular to the segment completes the frame
        ref = pose.rotations[a][:, 2]
        x = np.cross(y, ref)
        x /= max(np.linalg.norm(x), 1e-6)
        centres.append((pa + pb) / 2)
        axes.append(np.stack([x, y, np.cross(x, y)], 1))
        radii.append([r * size, length / 2 + 0.3 * r * size, r * size])
        cols.append(colours[key])
    for joint, offset, r, key in _BLOBS:
        rot = pose.rotations[joint]
        centres.append(pose.joints[joint] + rot @ np.array(offset) * style.scale)
        axes.append(rot)
        # the head does not get chubbier with the body
        grow = style.scale if joint in (15, 24) else size
        radii.append(np.array(r) * grow)
        cols.append(colours[key])
    return (np.array(centres), np.array(axes), np.array(radii, dtype=np.float64),
            np.array(cols))


class Renderer:
    """Ray-casts ellipsoids into RGB / depth / mask with the MINI-RGBD camera.

    Rays go through pixel centres at integer pixel coordinates, the same
    convention as ``u = fx x / z + cx``. A ray is ``t * (xn, yn, 1)`` so the
    ray parameter of a hit *is* its camera depth in mm.
    """

    def __init__(self, width: int = IMAGE_SIZE[0], height: int = IMAGE_SIZE[1]):
        self.width, self.height = width, height
        # float32 halves the memory traffic of the per-pixel maths; depths
        # stay accurate to ~0.1 mm at 1 m
        self.xn = ((np.arange(width) - INTRINSICS['cx']) / INTRINSICS['fx']).astype(np.float32)
        self.yn = ((np.arange(height) - INTRINSICS['cy']) / INTRINSICS['fy']).astype(np.float32)

    def _pixel_box(self, centre, rmax):
        """Conservative pixel range covered by a sphere (or None if unseen)."""
        near = centre[2] - rmax
        if near <= 1.0:
            return None
        fx, fy, cx, cy = (INTRINSICS[k] for k in ('fx', 'fy', 'cx', 'cy'))
        us = [fx * (centre[0] + s * rmax) / d + cx
              for s in (-1, 1) for d in (near, centre[2] + rmax)]
        vs = [fy * (centre[1] + s * rmax) / d + cy
              for s in (-1, 1) for d in (near, centre[2] + rmax)]
        u0, u1 = max(int(np.floor(min(us))), 0), min(int(np.ceil(max(us))) + 1, self.width)
        v0, v1 = max(int(np.floor(min(vs))), 0), min(int(np.ceil(max(vs))) + 1, self.height)
        if u0 >= u1 or v0 >= v1:
            return None
        return u0, u1, v0, v1

    def render(self, centres, axes, radii, light_dir):
        """Z-buffer the ellipsoids.

        Returns:
            depth (H, W) float mm (inf where empty), part index (H, W) int
            (-1 where empty), Lambert+specular shading (H, W) float.
        """
        h, w = self.height, self.width
        zbuf = np.full((h, w), np.inf, dtype=np.float32)
        part = np.full((h, w), -1, dtype=np.int32)
        shade = np.zeros((h, w), dtype=np.float32)
        half = light_dir + np.array([0, 0, -1.0])  # towards light + viewer
        half = (half / np.linalg.norm(half)).astype(np.float32)
        light_dir = light_dir.astype(np.float32)
        for p in range(len(centres)):
            box = self._pixel_box(centres[p], radii[p].max())
            if box is None:
                continue
            u0, u1, v0, v1 = box
            # Map into the ellipsoid's unit-sphere frame: q = M (x - c).
            m = (axes[p].T / radii[p][:, None]).astype(np.float32)
            c = (m @ centres[p]).astype(np.float32)
            xn, yn = self.xn[None, u0:u1], self.yn[v0:v1, None]
            d = [m[i, 0] * xn + m[i, 1] * yn + m[i, 2] for i in range(3)]
            a = d[0] ** 2 + d[1] ** 2 + d[2] ** 2
            b = d[0] * c[0] + d[1] * c[1] + d[2] * c[2]
            disc = b * b - a * (c @ c - 1.0)
            hit = disc > 0
            if not hit.any():
                continue
            t = (b - np.sqrt(np.maximum(disc, 0))) / a
            zsub = zbuf[v0:v1, u0:u1]
            win = hit & (t < zsub)
            if not win.any():
                continue
            # Surface normal: gradient of |q|^2 back in camera axes.
            q = [t * d[i] - c[i] for i in range(3)]
            g = [q[i] / np.float32(radii[p][i]) for i in range(3)]
            ax = axes[p].astype(np.float32)
            n = [ax[k, 0] * g[0] + ax[k, 1] * g[1] + ax[k, 2] * g[2] for k in range(3)]
            norm = np.sqrt(n[0] ** 2 + n[1] ** 2 + n[2] ** 2) + 1e-9
            lam = (n[0] * light_dir[0] + n[1] * light_dir[1] + n[2] * light_dir[2]) / norm
            spec = (n[0] * half[0] + n[1] * half[1] + n[2] * half[2]) / norm
            s = 0.35 + 0.65 * np.clip(lam, 0, 1) + 0.12 * np.clip(spec, 0, 1) ** 24
            zsub[win] = t[win]
            part[v0:v1, u0:u1][win] = p
            shade[v0:v1, u0:u1][win] = s[win]
        return zbuf, part, shade


def make_background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A textured mat/blanket (H, W, 3) float RGB in 0..1, one per sequence."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(0.35, 0.9, 3).astype(np.float32)
    accent = rng.uniform(0.2, 0.95, 3).astype(np.float32)
    kind = rng.integers(4)
    period = rng.uniform(25, 70)
    angle = rng.uniform(0, np.pi)
    along = xx * np.cos(angle) + yy * np.sin(angle)
    across = -xx * np.sin(angle) + yy * np.cos(angle)
    if kind == 0:  # stripes
        weight = (np.sin(2 * np.pi * along / period) > 0.3).astype(np.float32)
    elif kind == 1:  # checks
        weight = ((np.floor(along / period) + np.floor(across / period)) % 2)
    elif kind == 2:  # dots
        fa, fb = (along / period) % 1 - 0.5, (across / period) % 1 - 0.5
        weight = ((fa ** 2 + fb ** 2) < 0.08).astype(np.float32)
    else:  # soft plaid
        weight = 0.5 * (np.sin(2 * np.pi * along / period) ** 2
                        + np.sin(2 * np.pi * across / period) ** 2)
    weight = cv2.GaussianBlur(weight.astype(np.float32), (0, 0), 1.2)
    img = base * (1 - 0.55 * weight[..., None]) + accent * 0.55 * weight[..., None]
    # fabric grain: fine noise plus a blurred low-frequency blotch
    grain = rng.normal(0, 0.015, (height, width)).astype(np.float32)
    blotch = cv2.resize(rng.normal(0, 0.08, (height // 40, width // 40)).astype(np.float32),
                        (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(img * (1 + grain + blotch)[..., None], 0, 1)


class SequenceRenderer:
    """Renders the frames of one sequence (scene fixed, pose and light vary)."""

    def __init__(self, style: SequenceStyle, rng: np.random.Generator,
                 width: int = IMAGE_SIZE[0], height: int = IMAGE_SIZE[1]):
        self.style = style
        self.renderer = Renderer(width, height)
        self.background = make_background(rng, width, height)
        # Mat plane z = D + tx * x + ty * y (camera mm); depth along each ray.
        tx, ty = style.mat_tilt
        xn, yn = np.meshgrid(self.renderer.xn, self.renderer.yn)
        self.mat_depth = style.mat_distance / (1 - tx * xn - ty * yn)
        yy, xx = np.mgrid[0:height, 0:width]
        r2 = ((xx - width / 2) ** 2 + (yy - height / 2) ** 2) / (width / 2) ** 2
        self.vignette = (1 - 0.25 * r2).astype(np.float32)
        self.flicker = rng.uniform(0, 2 * np.pi, 2)

    def render(self, frame: int, pose: Pose
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """RGB (H,W,3) uint8, depth (H,W) uint16 mm, mask (H,W) uint8 0/255."""
        style = self.style
        t = frame / FPS
        light = style.light_dir + 0.25 * np.array(
            [np.sin(0.3 * t + self.flicker[0]), np.cos(0.23 * t + self.flicker[1]), 0])
        light /= np.linalg.norm(light)
        brightness = 1.0 + 0.08 * np.sin(0.5 * t + self.flicker[1])
        centres, axes, radii, colours = body_parts(pose, style)
        zbuf, part, shade = self.renderer.render(centres, axes, radii, light)
        body = part >= 0
        # soft contact shadow on the mat, cast away from the light
        small = body[::4, ::4].astype(np.float32)
        shift = np.float32([[1, 0, -light[0] * 6], [0, 1, -light[1] * 6]])
        small = cv2.warpAffine(small, shift, small.shape[::-1])
        small = cv2.GaussianBlur(small, (0, 0), 3)
        shadow = cv2.resize(small, body.shape[::-1], interpolation=cv2.INTER_LINEAR)
        light_bg = self.vignette * brightness * (1 - 0.45 * shadow)
        rgb = self.background * light_bg[..., None]
        rgb[body] = colours[part[body]] * (shade[body] * brightness)[:, None]
        rgb8 = (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
        depth = np.where(body, zbuf, self.mat_depth)
        depth16 = np.clip(np.round(depth), 0, 65535).astype(np.uint16)
        return rgb8, depth16, body.astype(np.uint8) * 255


def project(joints_mm: np.ndarray) -> np.ndarray:
    """Pinhole projection (N, 3) camera mm -> (N, 2) pixels with MINI-RGBD intrinsics."""
    z = joints_mm[:, 2]
    u = INTRINSICS['fx'] * joints_mm[:, 0] / z + INTRINSICS['cx']
    v = INTRINSICS['fy'] * joints_mm[:, 1] / z + INTRINSICS['cy']
    return np.stack([u, v], 1)


def write_joint_files(seq_dir: str, frame: int, joints_mm: np.ndarray) -> None:
    """Write ``joints_2Ddep`` (u v d_mm id) and ``joints_3D`` (x y z metres id)."""
    uv = project(joints_mm)
    lines2d = ''.join(f'{u:.6f} {v:.6f} {z:.6f} {j}\n'
                      for j, ((u, v), z) in enumerate(zip(uv, joints_mm[:, 2])))
    metres = joints_mm / 1000.0
    lines3d = ''.join(f'{x:.9f} {y:.9f} {z:.9f} {j}\n'
                      for j, (x, y, z) in enumerate(metres))
    with open(osp.join(seq_dir, JOINTS_2D_PATTERN.format(frame)), 'w') as f:
        f.write(lines2d)
    with open(osp.join(seq_dir, JOINTS_3D_PATTERN.format(frame)), 'w') as f:
        f.write(lines3d)


def write_head_length(seq_dir: str, length_2d_px: float, length_3d_mm: float) -> None:
    """Write ``<seq>/head_length.txt``: the sequence's head-segment lengths.

    Defined as in the thesis: the neck (joint 12) -> head (joint 15) distance.
    3D: in mm, constant for a rigid skeleton (mean over frames). 2D: the mean
    over the sequence's frames of the projected distance in pixels.
    """
    with open(osp.join(seq_dir, HEAD_LENGTH_FILE), 'w') as f:
        f.write('# head-segment length = neck (12) -> head (15) joint distance, '
                'mean over the frames\n')
        f.write(f'2d_px {length_2d_px:.6f}\n3d_mm {length_3d_mm:.6f}\n')


def _make_dirs(seq_dir: str) -> None:
    for pattern in (RGB_PATTERN, DEPTH_PATTERN, MASK_PATTERN, JOINTS_2D_PATTERN,
                    JOINTS_3D_PATTERN):
        os.makedirs(osp.join(seq_dir, osp.dirname(pattern)), exist_ok=True)


def _write_png(path: str, img: np.ndarray, flags: List[int]) -> None:
    if not cv2.imwrite(path, img, flags):
        raise OSError(f'could not write {path}')


class _PngWriter:
    """Encodes PNGs on a background thread (OpenCV releases the GIL), so
    rendering the next frame overlaps with writing this one; at most a few
    frames wait, and a write error surfaces at the next frame."""

    def __init__(self, max_pending: int = 6):
        from concurrent.futures import ThreadPoolExecutor
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending = []
        self.max_pending = max_pending

    def write(self, path: str, img: np.ndarray, flags: List[int]) -> None:
        self.pending.append(self.pool.submit(_write_png, path, img, flags))
        while len(self.pending) > self.max_pending:
            self.pending.pop(0).result()

    def close(self) -> None:
        try:
            for future in self.pending:
                future.result()
        finally:
            self.pool.shutdown(wait=True)


def generate_sequence(out_dir: str, sequence: int, num_frames: int, seed: int = 0,
                      annotations_only: bool = False, progress=None) -> Dict[str, float]:
    """Generate one sequence folder ``<out_dir>/<NN>``.

    Args:
        annotations_only: write joint files and head lengths, and 1x1
            placeholder PNGs instead of rendered images (for timing the
            annotation reader only; the result is not a usable data set).
        progress: optional callable invoked once per written frame.

    Returns:
        dict with the sequence's ``head_length_2d_px`` and ``head_length_3d_mm``.
    """
    rng = np.random.default_rng([seed, sequence])
    style = sample_style(rng)
    seq_dir = osp.join(out_dir, sequence_dir_name(sequence))
    _make_dirs(seq_dir)
    scene = None if annotations_only else SequenceRenderer(style, rng)
    placeholder = np.zeros((1, 1), np.uint8)
    lengths_2d, lengths_3d = [], []
    writer = _PngWriter()
    try:
        for frame in range(num_frames):
            pose = pose_at(style, frame)
            write_joint_files(seq_dir, frame, pose.joints)
            uv = project(pose.joints[[NECK, HEAD]])
            lengths_2d.append(np.linalg.norm(uv[1] - uv[0]))
            lengths_3d.append(np.linalg.norm(pose.joints[HEAD] - pose.joints[NECK]))
            if scene is None:
                images = (placeholder, placeholder.astype(np.uint16), placeholder)
            else:
                rgb, depth, mask = scene.render(frame, pose)
                images = (np.ascontiguousarray(rgb[..., ::-1]), depth, mask)  # OpenCV: BGR
            for pattern, img, flags in zip((RGB_PATTERN, DEPTH_PATTERN, MASK_PATTERN), images,
                                           (_PNG_FAST_RGB, _PNG_FAST, _PNG_FAST)):
                writer.write(osp.join(seq_dir, pattern.format(frame)), img, flags)
            if progress is not None:
                progress()
    finally:
        writer.close()
    lengths = dict(head_length_2d_px=float(np.mean(lengths_2d)),
                   head_length_3d_mm=float(np.mean(lengths_3d)))
    write_head_length(seq_dir, lengths['head_length_2d_px'], lengths['head_length_3d_mm'])
    return lengths


def generate_minirgbd(out_dir: str, num_sequences: int = 12, num_frames: int = 30,
                      seed: int = 0, sequences: Optional[Iterable[int]] = None,
                      annotations_only: bool = False, show_progress: Optional[bool] = None
                      ) -> Dict[int, Dict[str, float]]:
    """Write a synthetic MINI-RGBD root with sequences ``01``..``NN``.

    Args:
        out_dir: root folder (created).
        num_sequences: generates sequences ``1..num_sequences`` (at most 12)
            unless ``sequences`` names them explicitly.
        num_frames: frames per sequence (the real data set has 1000).
        seed: the same seed always gives the same files.
        annotations_only: see :func:`generate_sequence`.
        show_progress: show an MMEngine progress bar; by default only for
            runs of more than 500 frames.

    Returns:
        ``{sequence: {'head_length_2d_px': ..., 'head_length_3d_mm': ...}}``.
    """
    seqs = resolve_sequences(list(range(1, num_sequences + 1))
                             if sequences is None else list(sequences))
    if num_frames < 1:
        raise ValueError(f'num_frames must be >= 1, got {num_frames}')
    total = len(seqs) * num_frames
    if show_progress is None:
        show_progress = total > 500
    bar = None
    if show_progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(total)
    os.makedirs(out_dir, exist_ok=True)
    result = {}
    for seq in seqs:
        result[seq] = generate_sequence(out_dir, seq, num_frames, seed,
                                        annotations_only,
                                        bar.update if bar is not None else None)
    if bar is not None:
        print()
    return result

"""Synthetic infant movement series with known motion, in the inferencer's
``PoseSeries`` form: for the tests, the benchmark and the documentation.

Positions are built in the body frame (mm; +x the infant's left, +y
cranial, +z anterior, pelvis at the origin) and then seen by a camera above
a supine infant (camera axes: x right, y down, z forward into the scene),
like the lifter's output.
"""
from typing import Dict, Optional, Sequence

import numpy as np

from infant_mmpose.apis.pose_series import STATUS_DETECTED, PoseSeries

#: Rest pose of a young infant in the body frame (mm), by joint name.
REST_POSE_MM: Dict[str, Sequence[float]] = {
    'pelvis': (0, 0, 0), 'thorax': (0, 200, 0), 'upper_neck': (0, 240, 0),
    'head_top': (0, 340, 0), 'nose': (0, 300, 40),
    'left_eye': (15, 310, 35), 'right_eye': (-15, 310, 35),
    'left_ear': (40, 290, 0), 'right_ear': (-40, 290, 0),
    'left_hip': (50, -10, 0), 'right_hip': (-50, -10, 0),
    'left_knee': (60, -110, 10), 'right_knee': (-60, -110, 10),
    'left_ankle': (64, -200, 4), 'right_ankle': (-64, -200, 4),
    'left_shoulder': (70, 190, 0), 'right_shoulder': (-70, 190, 0),
    'left_elbow': (110, 110, 10), 'right_elbow': (-110, 110, 10),
    'left_wrist': (130, 30, 20), 'right_wrist': (-130, 30, 20),
}
#: Body frame -> camera axes (a rotation): the camera looks down on a
#: supine infant, head towards the image top, so the infant's left is on the
#: image's right and its front faces the camera.
BODY_TO_CAMERA = np.array([[1.0, 0, 0], [0, -1, 0], [0, 0, -1]])
LIMBS = {  # limb: (root joint, middle joint, end joint, upper, lower mm)
    'arm': ('shoulder', 'elbow', 'wrist', 90.0, 80.0),
    'leg': ('hip', 'knee', 'ankle', 100.0, 90.0),
}


def mpii16_names():
    from infant_mmpose.structures.keypoint_definitions import get_definition
    id2name = get_definition('mpii16')['keypoint_id2name']
    return [id2name[i] for i in range(len(id2name))]


def rest_pose(joint_names: Sequence[str]) -> np.ndarray:
    """(K, 3) rest pose (mm, body frame) of the named joints."""
    missing = [n for n in joint_names if n not in REST_POSE_MM]
    if missing:
        raise KeyError(f'no rest position for joints {missing}')
    return np.array([REST_POSE_MM[n] for n in joint_names], dtype=np.float64)


def series_from_body(body_mm: np.ndarray, fps: float,
                     joint_names: Optional[Sequence[str]] = None,
                     status: Optional[Sequence[str]] = None,
                     rotation: Optional[np.ndarray] = None,
                     definition: str = 'mpii16') -> PoseSeries:
    """A ``PoseSeries`` of body-frame positions seen by the camera.

    Args:
        body_mm: (T, K, 3) positions in the body frame (mm).
        fps: frame rate.
        joint_names: K names (default: MPII 16).
        status: T statuses (default all ``detected``).
        rotation: extra (3, 3) rotation applied in camera axes (a tilted
            camera).
    """
    names = list(joint_names) if joint_names is not None else mpii16_names()
    num = len(body_mm)
    rot = BODY_TO_CAMERA if rotation is None else rotation @ BODY_TO_CAMERA
    cam = body_mm @ rot.T
    pelvis = names.index('pelvis') if 'pelvis' in names else None
    root = cam[:, pelvis:pelvis + 1] if pelvis is not None else cam.mean(
        1, keepdims=True)
    kp3d = cam - root
    depth = 800.0 + cam[..., 2]
    kp2d = np.stack([320 + 500 * cam[..., 0] / depth,
                     240 + 500 * cam[..., 1] / depth], axis=-1)
    return PoseSeries(
        frame_index=np.arange(num), time_s=np.arange(num) / fps,
        frame_names=[f'synthetic:{i}' for i in range(num)],
        status=list(status) if status is not None else
        [STATUS_DETECTED] * num, flags=[()] * num,
        bboxes=np.tile([100.0, 50, 540, 430], (num, 1)),
        bbox_scores=np.ones(num), keypoints_2d=kp2d,
        keypoint_scores=np.ones(kp2d.shape[:2]), keypoints_3d=kp3d,
        joint_names=names, keypoint_definition=definition, fps=fps,
        source='synthetic', image_sizes=np.tile([640, 480], (num, 1)))


def _limb(root: np.ndarray, side: float, abduct, flex, bend,
          upper: float, lower: float, down: np.ndarray):
    """Middle and end joint of a limb from its angles (rad, (T,) each)."""
    # upper segment: rotate the limb's rest direction by abduction (in the
    # frontal plane, away from the midline) and flexion (towards anterior)
    ca, sa, cf, sf = np.cos(abduct), np.sin(abduct), np.cos(flex), np.sin(flex)
    u = np.stack([side * sa * cf, down[1] * ca * cf, sf], axis=-1)
    middle = root + upper * u
    # lower segment: bend about the axis normal to the limb and z (never
    # parallel: flexion stays below 90 deg)
    axis = np.cross(u, [0, 0, 1.0])
    axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
    cb, sb = np.cos(bend)[:, None], np.sin(bend)[:, None]
    v = u * cb + np.cross(axis, u) * sb
    return middle, middle + lower * v


def synthetic_infant(seconds: float = 60.0, fps: float = 30.0, seed: int = 0,
                     noise_mm: float = 1.0, scale: float = 1.0,
                     activity: float = 1.0,
                     rotation: Optional[np.ndarray] = None) -> PoseSeries:
    """A kicking, waving infant: every limb angle is a sum of two sinusoids
    (0.3-1.5 Hz, random phases) scaled by ``activity``, plus Gaussian
    keypoint noise of ``noise_mm``; MPII 16 joints. ``scale`` multiplies
    every length (a bigger infant), ``rotation`` tilts the camera (see
    :func:`series_from_body`); the seed fixes the motion and the noise.
    """
    rng = np.random.default_rng(seed)
    names = mpii16_names()
    num = int(round(seconds * fps))
    t = np.arange(num) / fps
    body = np.tile(rest_pose(names), (num, 1, 1))

    def wave(mean, amp):
        f = rng.uniform(0.3, 1.5, 2)
        ph = rng.uniform(0, 2 * np.pi, 2)
        a = activity * amp * rng.uniform(0.5, 1.0, 2)
        return mean + (a[:, None] * np.sin(2 * np.pi * f[:, None] * t
                                           + ph[:, None])).sum(0)

    for side, sign in (('left', 1.0), ('right', -1.0)):
        for limb, (r, m, e, upper, lower) in LIMBS.items():
            root = body[:, names.index(f'{side}_{r}')]
            down = np.array([0, -1.0, 0])
            mid, end = _limb(root, sign, wave(0.5, 0.25), wave(0.3, 0.25),
                             wave(0.8, 0.3), upper, lower, down)
            body[:, names.index(f'{side}_{m}')] = mid
            body[:, names.index(f'{side}_{e}')] = end
    body = (body + rng.normal(0, noise_mm, body.shape)) * scale
    return series_from_body(body, fps, names, rotation=rotation)

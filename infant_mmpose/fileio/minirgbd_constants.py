"""Fixed facts about MINI-RGBD (Hesse et al., ECCVW 2018), from FACTS.md §1.

Everything here is data: the 25 SMIL joint names in file order, the kinematic
tree, the official camera intrinsics, the thesis split and the per-sequence
head-segment lengths the thesis used for PCKh.
"""
from typing import Dict, List, Tuple

#: Image size (width, height) in pixels of every MINI-RGBD frame.
IMAGE_SIZE: Tuple[int, int] = (640, 480)

#: Official intrinsics from MINI-RGBD's ``depth_to_3D.py`` (pixels):
#: ``u = fx * x / z + cx`` and ``v = fy * y / z + cy``.
INTRINSICS: Dict[str, float] = dict(
    fx=588.67905803875317,
    fy=590.25690113005601,
    cx=322.22048191353628,
    cy=237.46785983766890,
)

#: The 25 joints in file order (SMIL/SMPL naming: thigh = hip, calf = knee,
#: foot = ankle, upperArm = shoulder, foreArm = elbow, hand = wrist,
#: shoulder = collar).
JOINT_NAMES: List[str] = [
    'pelvis', 'leftThigh', 'rightThigh', 'spine', 'leftCalf', 'rightCalf',
    'spine1', 'leftFoot', 'rightFoot', 'spine2', 'leftToes', 'rightToes',
    'neck', 'leftShoulder', 'rightShoulder', 'head', 'leftUpperArm',
    'rightUpperArm', 'leftForeArm', 'rightForeArm', 'leftHand', 'rightHand',
    'leftFingers', 'rightFingers', 'noseVertex'
]
NUM_JOINTS = len(JOINT_NAMES)
PELVIS, NECK, HEAD = 0, 12, 15

#: Parent of each joint in the SMPL kinematic tree (-1 for the root).
PARENTS: List[int] = [
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19,
    20, 21, 15
]

#: Thesis split (FACTS §1): sequences used for detector, 2D model and lifter.
SPLITS: Dict[str, List[int]] = dict(
    train=[1, 2, 3, 4, 5, 6, 7, 8], val=[9, 10], test=[11, 12])
ALL_SEQUENCES: List[int] = list(range(1, 13))
FRAMES_PER_SEQUENCE = 1000

#: Head-segment length (neck -> head joint) of each real sequence as the
#: thesis used it: 2D in pixels, 3D in millimetres (FACTS §1 table).
HEAD_LENGTH_2D_PX: Dict[int, float] = {
    1: 11.21, 2: 11.39, 3: 11.96, 4: 11.13, 5: 7.75, 6: 9.10,
    7: 12.77, 8: 13.34, 9: 12.75, 10: 11.23, 11: 12.17, 12: 13.93
}
HEAD_LENGTH_3D_MM: Dict[int, float] = {
    1: 24.9, 2: 26.3, 3: 25.3, 4: 27.8, 5: 20.6, 6: 23.4,
    7: 28.2, 8: 26.2, 9: 29.0, 10: 26.1, 11: 28.6, 12: 30.1
}

#: File layout of one sequence folder (``%05d`` = frame number).
RGB_PATTERN = 'rgb/syn_{:05d}.png'
DEPTH_PATTERN = 'depth/syn_{:05d}_depth.png'
MASK_PATTERN = 'fg_mask/mask_{:05d}.png'
JOINTS_2D_PATTERN = 'joints_2Ddep/syn_joints_2Ddep_{:05d}.txt'
JOINTS_3D_PATTERN = 'joints_3D/syn_joints_3D_{:05d}.txt'
#: Written by this project's generator next to the data (not in the real
#: release): the measured head-segment lengths of a generated sequence.
HEAD_LENGTH_FILE = 'head_length.txt'


def sequence_dir_name(sequence: int) -> str:
    """Folder name of a sequence, e.g. ``1 -> '01'``."""
    return f'{sequence:02d}'


def resolve_sequences(sequences) -> List[int]:
    """Turn ``'train'|'val'|'test'|'all'`` or a list of ints into sorted ints.

    Raises:
        ValueError: unknown split name or a sequence outside 1..12.
    """
    if isinstance(sequences, str):
        if sequences == 'all':
            return list(ALL_SEQUENCES)
        if sequences not in SPLITS:
            raise ValueError(
                f'unknown MINI-RGBD split {sequences!r}: use one of '
                f"{sorted(SPLITS) + ['all']} or a list of sequence numbers")
        return list(SPLITS[sequences])
    if isinstance(sequences, int):
        sequences = [sequences]
    result = sorted({int(s) for s in sequences})
    bad = [s for s in result if s not in ALL_SEQUENCES]
    if bad or not result:
        raise ValueError(f'MINI-RGBD sequences must be in 1..12, got {list(sequences)}')
    return result

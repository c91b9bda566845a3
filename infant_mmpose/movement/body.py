"""Which joints the movement features use, looked up by name.

Every keypoint definition in the project names its joints as MMPose does
(``left_wrist``, ``right_knee``, ...), so the features find their joints by
name in the series' own ``joint_names`` and never by a definition's index.
A definition without a ``pelvis`` / ``thorax`` joint (e.g. COCO-17) gets the
body centre from the mid-hip point and the trunk top from the mid-shoulder
point instead.
"""
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

SIDES = (('l', 'left'), ('r', 'right'))

#: Limb ends and joints whose position features are computed.
POSITION_JOINTS = ('wrist', 'ankle', 'elbow', 'knee')
#: Limb ends whose spectra and displacement histograms are computed.
LIMB_ENDS = ('wrist', 'ankle')
#: Joint angle at ``vertex``: between the vectors vertex->a and vertex->b,
#: all three joints on the same side (180 deg = straight).
ANGLES: Dict[str, Tuple[str, str, str]] = {
    'elbow': ('shoulder', 'elbow', 'wrist'),
    'knee': ('hip', 'knee', 'ankle'),
    'shoulder': ('hip', 'shoulder', 'elbow'),
    'hip': ('shoulder', 'hip', 'knee'),
}
#: Limb segments (proximal joint, distal joint) for orientation histograms.
SEGMENTS: Dict[str, Tuple[str, str]] = {
    'upper_arm': ('shoulder', 'elbow'),
    'forearm': ('elbow', 'wrist'),
    'thigh': ('hip', 'knee'),
    'shank': ('knee', 'ankle'),
}
#: Joints every analysed series must have (per side) besides centre/top.
SIDED_JOINTS = ('shoulder', 'elbow', 'wrist', 'hip', 'knee', 'ankle')


class MissingJointsError(ValueError):
    """The series' keypoint definition lacks joints the features need."""


@dataclass(frozen=True)
class BodyJoints:
    """Indices into a series' joints of everything the features use.

    Attributes:
        sided: ``(side, joint) -> index``, side ``'l'``/``'r'``, joint one of
            :data:`SIDED_JOINTS`.
        centre: indices averaged to give the body centre (pelvis, or both
            hips).
        top: indices averaged to give the trunk top (thorax, or both
            shoulders).
        definition: the keypoint definition's name.
    """
    sided: Dict[Tuple[str, str], int]
    centre: Tuple[int, ...]
    top: Tuple[int, ...]
    definition: str

    @classmethod
    def from_names(cls, joint_names: Sequence[str],
                   definition: str = '') -> 'BodyJoints':
        """Look every needed joint up by name.

        Raises:
            MissingJointsError: naming every missing joint.
        """
        index = {name: i for i, name in enumerate(joint_names)}
        missing: List[str] = []
        sided = {}
        for short, long in SIDES:
            for joint in SIDED_JOINTS:
                name = f'{long}_{joint}'
                if name in index:
                    sided[(short, joint)] = index[name]
                else:
                    missing.append(name)
        if missing:
            raise MissingJointsError(
                f'keypoint definition {definition or "?"} lacks the joints '
                f'{missing} needed for movement features (it has '
                f'{list(joint_names)})')
        centre = ((index['pelvis'], ) if 'pelvis' in index else
                  (sided[('l', 'hip')], sided[('r', 'hip')]))
        top = ((index['thorax'], ) if 'thorax' in index else
               (sided[('l', 'shoulder')], sided[('r', 'shoulder')]))
        return cls(sided, centre, top, definition)

    @property
    def used(self) -> List[int]:
        """Sorted indices of every joint the features read."""
        return sorted(set(self.sided.values()) | set(self.centre)
                      | set(self.top))

    def centre_of(self, keypoints: np.ndarray) -> np.ndarray:
        """(..., 3) body centre of (..., K, 3) keypoints."""
        return keypoints[..., list(self.centre), :].mean(axis=-2)

    def top_of(self, keypoints: np.ndarray) -> np.ndarray:
        """(..., 3) trunk top of (..., K, 3) keypoints."""
        return keypoints[..., list(self.top), :].mean(axis=-2)

    def lateral_of(self, keypoints: np.ndarray) -> np.ndarray:
        """(..., 3) vector from the right hip to the left hip."""
        return (keypoints[..., self.sided[('l', 'hip')], :]
                - keypoints[..., self.sided[('r', 'hip')], :])

    def joint(self, keypoints: np.ndarray, side: str, name: str) -> np.ndarray:
        """(..., 3) position of joint ``name`` on ``side`` ('l' or 'r')."""
        return keypoints[..., self.sided[(side, name)], :]

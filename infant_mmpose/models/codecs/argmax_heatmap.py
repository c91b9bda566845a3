"""Heatmap codec decoding by the plain argmax, as the thesis did.

MMPose's ``MSRAHeatmap.decode`` always moves each maximum a quarter cell
towards the higher neighbour (or applies DARK), and sends joints whose
maximum is <= 0 to -1. The thesis (MSRA's original ``get_final_preds``
without its post-processing) takes the first maximum of each flattened map
as it is and sends joints whose maximum is <= 0 to cell (0, 0). Encoding
(Gaussian targets) is MSRAHeatmap's, unchanged.
"""
from typing import Tuple

import numpy as np

from mmpose.codecs import MSRAHeatmap
from mmpose.codecs.utils import get_heatmap_maximum
from mmpose.registry import KEYPOINT_CODECS


@KEYPOINT_CODECS.register_module()
class ArgmaxHeatmap(MSRAHeatmap):
    """``MSRAHeatmap`` whose decoding is the plain per-joint argmax.

    Args: those of ``MSRAHeatmap`` (``unbiased`` and ``blur_kernel_size``
    affect encoding only here; decoding never refines).
    """

    def decode(self, encoded: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(K, H, W) heatmaps -> ((1, K, 2) keypoints in input-image pixels,
        (1, K) scores = the maxima).

        A keypoint is its maximum's cell index (col, row) times the input /
        heatmap size ratio; no sub-cell shift. Joints whose maximum is <= 0
        are at (0, 0).
        """
        keypoints, scores = get_heatmap_maximum(encoded.copy())
        # get_heatmap_maximum marks maxima <= 0 with -1; the thesis zeroes them
        keypoints[scores <= 0] = 0.0
        keypoints = keypoints[None] * self.scale_factor
        return keypoints, scores[None]

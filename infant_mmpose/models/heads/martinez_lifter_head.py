"""Martinez et al. (ICCV 2017) 2D->3D lifting network as an MMPose head.

The whole "simple yet effective baseline" MLP lives in this head so that a
config reads ``PoseLifter(backbone=IdentityBackbone, head=MartinezLifterHead)``
(the backbone only hands the packed 2D input through):

    Linear(C_in -> 1024), BatchNorm1d, ReLU, Dropout
    2 x residual block: x + [Linear, BatchNorm1d, ReLU, Dropout] x 2 (x)
    Linear(1024 -> 3K)

The stem's BatchNorm/ReLU/Dropout follow Martinez's reference code; the
thesis (FACTS section 5) lists the layers without them.

Max-norm constraint (optional; off in the thesis-reproducing configs, the
thesis code has none, THESIS_WEIGHTS section 4): with ``max_norm_mode=
'row'`` every ``nn.Linear`` weight row (the incoming weights of one unit) is
rescaled to an L2 norm <= ``max_norm``; with ``'tensor'`` the whole weight
matrix is, as Martinez et al.'s code does (``tf.clip_by_norm`` without
axes). :meth:`MartinezLifterHead.apply_max_norm` applies it.  The registered hook
``MaxNormConstraintHook`` calls it after every optimiser step (MMEngine's
``after_train_iter`` runs after ``optim_wrapper.update_params``), so the
constraint holds for the weights the next forward pass uses and for every
saved checkpoint.  A hook was chosen over renorming inside ``loss()`` because
``loss()`` runs *before* the step, which would leave the last step of
training unconstrained.  ``max_norm=None`` disables the constraint.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmpose.evaluation.functional import keypoint_mpjpe
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList


#: ``max_norm_mode`` choices of :class:`MartinezLifterHead`.
MAX_NORM_MODES = ('row', 'tensor')


class _ResidualBlock(nn.Module):
    """x + [Linear, BatchNorm1d, ReLU, Dropout] x 2 (x); width preserved."""

    def __init__(self, width: int, dropout: float):
        super().__init__()
        layers = []
        for _ in range(2):
            layers += [
                nn.Linear(width, width),
                nn.BatchNorm1d(width),
                nn.ReLU(inplace=True),
                nn.Dropout(dropout)
            ]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.layers(x)


@MODELS.register_module()
class MartinezLifterHead(BaseHead):
    """Martinez 2D->3D lifting MLP (see module docstring).

    Args:
        in_channels (int): Length of the flattened 2D input, ``2 * K_in``
            (``3 * K_in`` when the codec concatenates visibilities).
        num_joints (int): Number of output 3D joints ``K`` (``K - 1`` when the
            codec removes the root joint).
        hidden_channels (int): Width of the MLP. Defaults to 1024.
        num_blocks (int): Residual blocks. Defaults to 2.
        dropout (float): Dropout probability. Defaults to 0.5.
        max_norm (float, optional): Upper bound of the Linear weights' L2
            norm, enforced by ``MaxNormConstraintHook``. ``None`` = off.
            With raw-millimetre targets a per-row bound on the output layer
            keeps the lifter at the mean pose (configs/README.md); use it
            with ``target_scale`` in the codec, or the whole-tensor mode.
        max_norm_mode (str): ``'row'``: each weight row (one unit's incoming
            weights) separately; ``'tensor'``: the whole weight matrix
            (Martinez et al.'s code). Defaults to ``'row'``.
        loss (dict): Loss config; MMPose's ``MSELoss`` with target weights
            (invisible target joints excluded) by default.
        decoder (dict, optional): Lifting codec config (``MartinezPoseLifting``
            or MMPose's ``ImagePoseLifting``) used to decode predictions.
        init_cfg (dict, optional): Initialisation config.
    """

    _version = 2

    def __init__(self,
                 in_channels: int,
                 num_joints: int,
                 hidden_channels: int = 1024,
                 num_blocks: int = 2,
                 dropout: float = 0.5,
                 max_norm: Optional[float] = 1.0,
                 max_norm_mode: str = 'row',
                 loss: ConfigType = dict(
                     type='MSELoss', use_target_weight=True),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        # Kaiming-uniform default init of nn.Linear is what Martinez used.
        super().__init__(init_cfg)
        if max_norm is not None and max_norm <= 0:
            raise ValueError(f'max_norm must be positive or None, got {max_norm}')
        if max_norm_mode not in MAX_NORM_MODES:
            raise ValueError(f'max_norm_mode must be one of {MAX_NORM_MODES}, '
                             f'got {max_norm_mode!r}')
        self.max_norm_mode = max_norm_mode
        self.in_channels = in_channels
        self.num_joints = num_joints
        self.max_norm = max_norm
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder else None

        self.stem = nn.Sequential(
            nn.Linear(in_channels, hidden_channels),
            nn.BatchNorm1d(hidden_channels), nn.ReLU(inplace=True),
            nn.Dropout(dropout))
        self.blocks = nn.Sequential(*[
            _ResidualBlock(hidden_channels, dropout)
            for _ in range(num_blocks)
        ])
        self.out = nn.Linear(hidden_channels, num_joints * 3)

    # ------------------------------------------------------------------ net
    def forward(self, feats: Union[Tensor, Tuple[Tensor]]) -> Tensor:
        """Lift a batch of flattened 2D poses.

        Args:
            feats: The packed lifter input, a tensor or a tuple whose last
                element is the tensor, shape ``(B, in_channels, T=1)`` as
                MMPose's ``PackPoseInputs`` gives it, or ``(B, in_channels)``.

        Returns:
            Tensor: ``(B, num_joints, 3)`` in the codec's target units
            (millimetres for this project's data sets).
        """
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'MartinezLifterHead expects {self.in_channels} input values '
                f'per sample (2 x joints), got {x.shape[1]}: check that the '
                'keypoint definition of the data matches the config')
        x = self.blocks(self.stem(x))
        return self.out(x).reshape(-1, self.num_joints, 3)

    @torch.no_grad()
    def apply_max_norm(self) -> None:
        """Rescale every Linear weight row (``'row'``) or weight matrix
        (``'tensor'``) to L2 norm <= ``max_norm``."""
        if self.max_norm is None:
            return
        for module in self.modules():
            if isinstance(module, nn.Linear):
                weight = module.weight.data
                if self.max_norm_mode == 'row':
                    # renorm over dim 0 = one slice per output unit.
                    module.weight.data = torch.renorm(
                        weight, p=2, dim=0, maxnorm=self.max_norm)
                else:
                    norm = torch.linalg.vector_norm(weight)
                    if norm > self.max_norm:
                        weight.mul_(self.max_norm / norm)

    # ----------------------------------------------------------- train/test
    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """MSE between predicted and encoded root-relative targets.

        Returns:
            dict: ``loss_pose3d`` and ``mpjpe`` (monitoring only, in the
            encoded target units, i.e. mm when targets are not normalised).
        """
        pred = self.forward(feats)
        target = torch.cat([
            d.gt_instance_labels.lifting_target_label
            for d in batch_data_samples
        ]).reshape(pred.shape)
        weight = torch.cat([
            d.gt_instance_labels.lifting_target_weight
            for d in batch_data_samples
        ]).reshape(pred.shape[:2])
        loss = self.loss_module(pred, target, weight.unsqueeze(-1))
        mask = to_numpy(weight) > 0
        mpjpe = keypoint_mpjpe(
            pred=to_numpy(pred), gt=to_numpy(target),
            mask=mask) if mask.any() else 0.0
        return dict(
            loss_pose3d=loss,
            mpjpe=torch.tensor(mpjpe, device=pred.device, dtype=torch.float32))

    def predict(self,
                feats: Tuple[Tensor],
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Sequence[InstanceData]:
        """Predict 3D poses, as MMPose's lifting heads do.

        Each sample's ``metainfo['target_root']`` (the (1, 3) ground-truth
        root position in mm the codec packed, when the pipeline keeps it)
        is added back, so the pose is in absolute camera coordinates, which
        MMPose's ``MPJPE`` compares with ``lifting_target``. Without a
        ``target_root`` the pose stays relative to its root joint.
        This project's metrics re-centre both poses on the root joint
        (``root_index``) and give the same errors either way.

        Returns:
            list[InstanceData]: one per sample, ``keypoints`` (1, K, 3) in mm
            (root-relative, root exactly 0, or absolute) and
            ``keypoint_scores`` (1, K) of ones.
        """
        if self.decoder is None:
            raise RuntimeError('MartinezLifterHead.predict needs a decoder '
                               '(the lifting codec) in its config')
        pred = to_numpy(self.forward(feats))
        samples = batch_data_samples or [None] * len(pred)
        results = []
        for coords, sample in zip(pred, samples):
            root = None if sample is None else sample.metainfo.get(
                'target_root')
            keypoints, scores = self.decoder.decode(coords[None], root)
            results.append(
                InstanceData(
                    keypoints=keypoints.astype(np.float32),
                    keypoint_scores=scores.astype(np.float32)))
        return results

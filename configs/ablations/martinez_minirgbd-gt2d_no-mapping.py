# Ablation (thesis Table 5.2, "3D w/o mapping"): the lifter on MINI-RGBD's
# own 25 joints (50 inputs, 75 outputs, root = pelvis = joint 0), not
# mapped (keypoint_definition=None). The pre-trained (MPII-16) checkpoint initialises the
# hidden layers; its input and output layers do not fit and stay at their
# initialisation (MMEngine reports the size mismatch when loading).
_base_ = ['../lifter/martinez_minirgbd-gt2d.py']

from infant_mmpose.utils import config_path  # noqa: E402

num_keypoints = 25
root_index = 0  # pelvis in minirgbd25
lifter_codec = dict(
    type='MartinezPoseLifting',
    num_keypoints=num_keypoints,
    root_index=root_index,
    input_norm='pixel')
codec = dict(_delete_=True, **lifter_codec)
model = dict(
    head=dict(
        in_channels=2 * num_keypoints,
        num_joints=num_keypoints,
        decoder=lifter_codec))
train_pipeline = [
    dict(type='GenerateTarget', encoder=lifter_codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
native_metainfo = dict(from_file=config_path('_base_/datasets/minirgbd.py'))
native = dict(keypoint_definition=None, metainfo=native_metainfo)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **native))
val_dataloader = dict(dataset=dict(pipeline=train_pipeline, **native))
test_dataloader = dict(dataset=dict(pipeline=train_pipeline, **native))
val_evaluator = [
    dict(type='AJPE', mode='3d', root_index=root_index),
    # the thesis's PCKh: 0 < error <= f x head length, so the pelvis (error
    # 0 after centring) never scores; zero_error_correct=True counts it
    dict(type='HeadPCK', factors=(1.0, 2.0), mode='3d',
         root_index=root_index, zero_error_correct=False),
    dict(type='PCK3D', root_index=root_index),
]
test_evaluator = val_evaluator

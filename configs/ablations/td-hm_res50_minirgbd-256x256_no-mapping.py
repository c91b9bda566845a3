# Ablation (thesis Table 5.2, "2D w/o mapping"): MINI-RGBD's own 25 joints,
# not mapped to the common MPII-16 definition (keypoint_definition=None). The MPII checkpoint
# still initialises the backbone and deconvolutions; its 16-channel final
# layer does not fit the 25 heatmaps and is left at its initialisation
# (MMEngine reports the size mismatch when loading). Metrics cover all 25
# joints, named by the MINI-RGBD metainfo.
_base_ = ['../pose2d/td-hm_res50_minirgbd-256x256.py']

from infant_mmpose.utils import config_path  # noqa: E402

# native joints: no common definition (the switch would map them again)
common_definition = None
model = dict(head=dict(out_channels=25))
native_metainfo = dict(from_file=config_path('_base_/datasets/minirgbd.py'))
codec = dict(
    type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomBBoxTransform', shift_prob=0, scale_prob=0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
native = dict(keypoint_definition=None, metainfo=native_metainfo)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **native))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, **native))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline, **native))

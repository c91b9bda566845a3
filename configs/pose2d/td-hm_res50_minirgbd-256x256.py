# 2D stage (thesis): SimpleBaseline ResNet-50 fine-tuned on MINI-RGBD from the
# MPII pre-training (ImageNet -> MPII -> MINI-RGBD), 16 heatmaps in the
# common MPII-16 definition: the data set maps MINI-RGBD's 25 joints when
# loading (keypoint_definition='mpii16'), so the pipelines are MMPose's own.
#
# Inherits the MPII config (256x256 -> 64x64 heatmaps, sigma 2, Adam 1e-4,
# batch 16, random rotation, early stopping) and changes the data:
# * train / val crops: boxes from the foreground masks (no bbox_file);
# * test crops: the detector's boxes (bbox_file=<detections file>, MMPose's
#   argument; COCO detection results written by tools/detect_minirgbd.py);
# * evaluation: PCKh@1.0 / @2.0 with the per-sequence head length (HeadPCK)
#   and the mean joint error in pixels (AJPE); early stopping watches AJPE.
#
# load_from: the MPII stage's checkpoint. tools/run_pipeline.py passes it;
# by hand: --cfg-options load_from=work_dirs/td-hm_res50_mpii16-256x256/<best>.pth
# (with network access MMPose's published MPII SimpleBaseline works too:
# https://download.openmmlab.com/mmpose/top_down/resnet/res50_mpii_256x256-418ffc88_20200812.pth).  # noqa
# Backbone swap = one line, e.g. ResNet-101: model = dict(backbone=dict(depth=101))
# (and the head's in_channels stay 2048).
_base_ = ['./td-hm_res50_mpii16-256x256.py']

from infant_mmpose.utils import config_path  # noqa: E402

load_from = 'work_dirs/td-hm_res50_mpii16-256x256/best.pth'
# every weight comes from load_from: no ImageNet download
model = dict(backbone=dict(init_cfg=None))

custom_hooks = [
    dict(type='EarlyStoppingHook', monitor='AJPE', rule='less', patience=3)
]
default_hooks = dict(
    checkpoint=dict(
        interval=1, save_best='AJPE', rule='less', max_keep_ckpts=2),
    logger=dict(interval=20))

# the MPII stage's codec (256x256 -> 64x64, sigma 2), restated because a
# child config cannot read its base's variables
codec = dict(
    type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

dataset_type = 'MiniRGBDDataset'
data_root = 'data/minirgbd/'
detections_file = 'work_dirs/detections/minirgbd_detections.json'
# samples and names in evaluation reports follow the common definition
keypoint_definition = 'mpii16'
common_metainfo = dict(from_file=config_path('_base_/datasets/mpii16.py'))
meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
             'img_shape', 'input_size', 'input_center', 'input_scale',
             'flip', 'flip_direction', 'flip_indices', 'sequence', 'frame')

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomBBoxTransform', shift_prob=0, scale_prob=0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        sequences='train',
        keypoint_definition=keypoint_definition,
        metainfo=common_metainfo,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        sequences='val',
        keypoint_definition=keypoint_definition,
        metainfo=common_metainfo,
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        sequences='test',
        bbox_file=detections_file,
        keypoint_definition=keypoint_definition,
        metainfo=common_metainfo,
        test_mode=True,
        pipeline=val_pipeline))

val_evaluator = [
    dict(type='HeadPCK', factors=(1.0, 2.0), zero_error_correct=False),
    dict(type='AJPE'),
]
test_evaluator = val_evaluator

# The thesis's released infant detector (torchvision fasterrcnn_resnet50_fpn,
# two classes), converted by tools/model_converters/thesis_to_mmpose.py to
# `detector.pth` (MMDetection label 0 = infant), run as torchvision ran it.
#
# Inherits the detector stage config and changes only inference:
# * frozen BatchNorm with eps 0 (torchvision's FrozenBatchNorm2d of COCO
#   models);
# * torchvision's resize: short side 800, long side <= 1333, float bilinear
#   (TorchvisionResize; 640x480 -> 1066x800, padded to 1088x800);
# * torchvision's anchors: rounded base anchors, strides = padded size //
#   feature size (TorchvisionAnchorGenerator);
# * RPN: 1000 boxes per level before NMS 0.7, 1000 after, min size 1e-3;
# * RoIAlign 7x7, sampling_ratio 2, aligned=False, computed by torchvision's
#   roi_align (MMCV's use_torchvision switch), as MultiScaleRoIAlign does;
#   R-CNN: score > 0.05, NMS 0.5, at most 100 boxes.
# Mean/std, RGB order and padding to 32 are the inherited MMDetection values,
# which equal torchvision's (0.485, 0.456, 0.406) / (0.229, 0.224, 0.225) on
# 0-1 RGB.
_base_ = ['../detector/faster-rcnn_r50_fpn_minirgbd.py']

load_from = None  # the converted detector.pth is passed as the checkpoint

model = dict(
    backbone=dict(
        norm_cfg=dict(type='BN', requires_grad=False, eps=0.0),
        norm_eval=True,
        init_cfg=None),
    rpn_head=dict(
        anchor_generator=dict(
            type='TorchvisionAnchorGenerator',
            scales=[8],
            ratios=[0.5, 1.0, 2.0],
            strides=[4, 8, 16, 32, 64])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            roi_layer=dict(
                type='RoIAlign', output_size=7, sampling_ratio=2,
                aligned=False, use_torchvision=True))),
    test_cfg=dict(
        rpn=dict(
            nms_pre=1000,
            max_per_img=1000,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=1e-3),
        rcnn=dict(
            score_thr=0.05,
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=100)))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TorchvisionResize', min_size=800, max_size=1333),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# Infant detector (thesis stage 1): Faster R-CNN ResNet-50 FPN, one class
# "infant", trained on MINI-RGBD boxes taken from the foreground masks.
# Inherits MMDetection's COCO config and overrides only what differs.
#
# Data: COCO-style json files written by
#   python tools/dataset_converters/minirgbd_to_coco.py DATA_ROOT ...
# (`file_name` is relative to DATA_ROOT, e.g. `01/rgb/syn_00000.png`).
# tools/run_pipeline.py writes them and passes their paths.
#
# Schedule (FACTS section 5): Adam 1e-4, batch 4, random flip + random
# rotation (affine), stop after 3 epochs without a gain in validation IoU.
#
# Weights: the backbone starts from ImageNet (`torchvision://resnet50`, as
# upstream; downloaded when training starts). With network access one may
# instead start from MMDetection's COCO model:
#   load_from = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r50_fpn_1x_coco/faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth'  # noqa
# Backbone swap = one line, e.g. ResNet-101:
#   model = dict(backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))  # noqa
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py']

custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)

metainfo = dict(classes=('infant', ), palette=[(220, 20, 60)])

model = dict(roi_head=dict(bbox_head=dict(num_classes=1)))

# MINI-RGBD frames are 640x480: keep the native resolution.
img_scale = (640, 480)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    # rotation only: the thesis's affine augmentation
    dict(
        type='RandomAffine',
        max_rotate_degree=30.0,
        max_translate_ratio=0.0,
        scaling_ratio_range=(1.0, 1.0),
        max_shear_degree=0.0),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]

data_root = 'data/minirgbd/'
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/minirgbd_train.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/minirgbd_val.json',
        data_prefix=dict(img=''),
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/minirgbd_test.json',
        data_prefix=dict(img=''),
        pipeline=test_pipeline))

# Mean IoU of the best-scoring box with the ground-truth box (the thesis's
# detector metric); MMDetection's CocoMetric can be added for mAP.
val_evaluator = dict(_delete_=True, type='BoxIoU')
test_evaluator = val_evaluator

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []  # constant learning rate, as in the thesis
train_cfg = dict(max_epochs=50, val_interval=1)

default_hooks = dict(
    checkpoint=dict(
        interval=1, max_keep_ckpts=2, save_best='mIoU',
        rule='greater'),
    logger=dict(interval=20))
custom_hooks = [
    dict(
        type='EarlyStoppingHook',
        monitor='mIoU',
        rule='greater',
        patience=3)
]

# QUICKSTART detector: the thesis detector config made to train in minutes
# on a 2-core CPU from random initialisation (no download). Differences:
# * a half-width ResNet-18 backbone (base_channels=32) trained whole
#   (frozen_stages=-1, norm_eval=False: the upstream settings freeze the
#   stem and BatchNorm statistics, which suits ImageNet weights, not random
#   ones), a 64-channel FPN and a lighter box head;
# * frames at quarter resolution (160x120: the infant fills most of them);
# * GIoU box loss (optimises the overlap the thesis measures);
# * augmentation: flip, colour jitter and random shift/scale. No rotation:
#   rotating a box's corners inflates the axis-aligned box, and the short
#   schedule then learns boxes that are too large;
# * Adam 2e-3 with a cosine decay over 16 epochs, fewer RPN proposals.
# Not for thesis numbers: use configs/detector/faster-rcnn_r50_fpn_minirgbd.py.
_base_ = ['../detector/faster-rcnn_r50_fpn_minirgbd.py']

load_from = None
channels = 64
model = dict(
    backbone=dict(
        depth=18,
        base_channels=32,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=channels),
    rpn_head=dict(in_channels=channels, feat_channels=channels),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels),
        bbox_head=dict(
            in_channels=channels,
            fc_out_channels=256,
            reg_decoded_bbox=True,
            loss_bbox=dict(_delete_=True, type='GIoULoss',
                           loss_weight=10.0))),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(max_per_img=10)))

img_scale = (160, 120)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomAffine',
        max_rotate_degree=0.0,
        max_translate_ratio=0.15,
        scaling_ratio_range=(0.75, 1.25),
        max_shear_degree=0.0,
        border_val=(0, 0, 0)),
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
train_dataloader = dict(
    num_workers=1, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=False,
    dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=False,
    dataset=dict(pipeline=test_pipeline))

optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=16, eta_min=1e-5, by_epoch=True)
]
train_cfg = dict(max_epochs=16, val_interval=1)
# the two validation sequences give a noisy mIoU: wait 6 epochs, not 3,
# before stopping (the training loss still falls steadily at epoch 10)
custom_hooks = [
    dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater',
         patience=6)
]
default_hooks = dict(logger=dict(interval=10))

# fixed seed: quickstart numbers reproducible run to run (tools/quickstart.py
# --seed overrides it)
randomness = dict(seed=0)

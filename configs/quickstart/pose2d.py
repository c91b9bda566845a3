# QUICKSTART 2D model: the thesis SimpleBaseline config made to train in
# minutes on a 2-core CPU from random initialisation (no MPII stage, no
# download). Differences: half-width ResNet-18 (base_channels=32),
# 64-channel deconvolution head, 128x128 crops -> 32x32 heatmaps
# (sigma 1.5), a short schedule, and more augmentation: horizontal flip,
# box shift/scale (the test boxes come from the detector, not the masks)
# and photometric distortion with channel swaps (eight training sequences
# show only eight skin/mat colourings: without it the model fails on held-
# out sequences whose colours it has not seen, e.g. 105 px mean error on
# sequence 10 against 8 px with it). Same data, mapping and metrics.
# Not for thesis numbers: use configs/pose2d/td-hm_res50_minirgbd-256x256.py.
_base_ = ['../pose2d/td-hm_res50_minirgbd-256x256.py']

load_from = None
codec = dict(
    type='MSRAHeatmap', input_size=(128, 128), heatmap_size=(32, 32),
    sigma=1.5)
model = dict(
    backbone=dict(
        depth=18, stem_channels=32, base_channels=32, init_cfg=None),
    head=dict(
        in_channels=256,
        deconv_out_channels=(64, 64, 64),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec),
    test_cfg=dict(flip_test=False))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_factor=0.1, shift_prob=0.5,
         scale_factor=(0.85, 1.2), scale_prob=0.5, rotate_factor=30),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PhotometricDistortion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(
    num_workers=1, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1, persistent_workers=False,
    dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(
    num_workers=1, persistent_workers=False,
    dataset=dict(pipeline=val_pipeline))

optim_wrapper = dict(optimizer=dict(lr=2e-3))  # from scratch: faster start
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=40, eta_min=1e-5, by_epoch=True)
]
# validation every 4 epochs: early stopping (patience 3) then waits 12
# epochs without a gain, which the noisy validation AJPE needs
train_cfg = dict(max_epochs=40, val_interval=4)
default_hooks = dict(logger=dict(interval=10))

# fixed seed: quickstart numbers reproducible run to run (tools/quickstart.py
# --seed overrides it)
randomness = dict(seed=0)

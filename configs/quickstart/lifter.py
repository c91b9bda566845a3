# QUICKSTART lifter: MINI-RGBD ground-truth-2D fine-tuning of the quickstart
# pre-training (tools/run_pipeline.py passes load_from), image-size-
# independent input normalisation 'root_median' (see lifter_pretrain.py),
# targets learned in decimetres (target_scale=100, decoded to mm), Adam 1e-3,
# a CPU-sized schedule.
_base_ = ['../lifter/martinez_minirgbd-gt2d_rootnorm.py']

load_from = None
lifter_codec = dict(
    type='MartinezPoseLifting',
    num_keypoints=16,
    root_index=6,
    input_norm='root_median',
    target_scale=100.0)
codec = dict(_delete_=True, **lifter_codec)
# per-row max-norm <= 1 as in lifter_pretrain.py
model = dict(head=dict(decoder=lifter_codec, max_norm=1.0,
                       max_norm_mode='row'))
train_pipeline = [
    dict(type='GenerateTarget', encoder=lifter_codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))

optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='ExponentialLR', gamma=0.99, by_epoch=True)]
train_cfg = dict(max_epochs=150, val_interval=10)
default_hooks = dict(logger=dict(interval=20))

# fixed seed: quickstart numbers reproducible run to run (tools/quickstart.py
# --seed overrides it)
randomness = dict(seed=0)

# Lifter stage 1 (thesis): Martinez 2D->3D MLP pre-trained on adult
# MPI-INF-3DHP (subjects S1-S6 train, S7-S8 val, cameras 1-8), with the
# 28-joint skeleton mapped to the common MPII-16 definition by the data set
# when it loads (keypoint_definition='mpii16').
#
# Inherits MMPose's single-frame lifting config (PoseLifter, Adam 1e-3,
# batch 64) and replaces its TCN with the Martinez MLP:
#   PoseLifter(backbone=IdentityBackbone, head=MartinezLifterHead)
#
# Input normalisation: 'pixel' = the thesis's raw pixel coordinates.  The
# image-size-independent variant ('root_extent', see configs/README.md) is
# configs/lifter/martinez_mpi-inf-3dhp_rootnorm.py.
# Targets: pelvis-relative 3D joints in millimetres (root index 6 = pelvis
# in mpii16). No max-norm weight constraint, as in the thesis code
# (THESIS_WEIGHTS section 4): a per-row max-norm <= 1 on raw-mm targets keeps
# the lifter at the mean pose (measured, configs/README.md). It stays an
# option: model.head.max_norm=1.0 (MaxNormConstraintHook applies it; per
# row, or max_norm_mode='tensor' for Martinez's whole-matrix clipping).
# Training skips a last batch of one sample (BatchNormSafeBatchSampler): a
# single sample cannot be normalised by BatchNorm1d in training mode.
# Schedule (FACTS section 5): Adam 1e-3, ExponentialLR gamma 0.96 per epoch,
# batch 64, early stop after 3 epochs without validation AJPE gain.
_base_ = [
    'mmpose::body_3d_keypoint/image_pose_lift/h36m/'
    'image-pose-lift_tcn_8xb64-200e_h36m.py'
]

custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)

num_keypoints = 16  # common definition: mpii16
root_index = 6  # pelvis in mpii16

# `lifter_codec` (not `codec`): MMEngine would merge a dict named `codec`
# into the H36M codec of the base config (its mean/std arrays).
lifter_codec = dict(
    type='MartinezPoseLifting',
    num_keypoints=num_keypoints,
    root_index=root_index,
    input_norm='pixel')
codec = dict(_delete_=True, **lifter_codec)

model = dict(
    # BaseDataPreprocessor without its per-sample copies in training steps
    # (same values, ~13 ms less per batch of 64 on a CPU, see
    # benchmarks/bench_training.py)
    data_preprocessor=dict(type='LiftingDataPreprocessor'),
    backbone=dict(_delete_=True, type='IdentityBackbone'),
    head=dict(
        _delete_=True,
        type='MartinezLifterHead',
        in_channels=2 * num_keypoints,
        num_joints=num_keypoints,
        hidden_channels=1024,
        num_blocks=2,
        dropout=0.5,
        max_norm=None,  # the thesis code has none; see the header
        max_norm_mode='row',
        loss=dict(type='MSELoss', use_target_weight=True),
        decoder=lifter_codec))

train_cfg = dict(max_epochs=200, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='ExponentialLR', gamma=0.96, by_epoch=True)]

default_hooks = dict(
    checkpoint=dict(
        interval=1, save_best='AJPE', rule='less', max_keep_ckpts=2),
    logger=dict(interval=50))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='MaxNormConstraintHook'),  # a no-op while max_norm is None
    dict(type='EarlyStoppingHook', monitor='AJPE', rule='less', patience=3),
    # a training set with cache_samples=True (the MINI-RGBD configs) leaves
    # the workers nothing to do: load its batches in the training process,
    # with persistent workers' random stream (the same numbers); a no-op
    # for a loader without persistent workers or without the sample cache
    dict(type='InProcessLoadingHook'),
]

meta_keys = ('id', 'img_path', 'target_img_path', 'flip_indices',
             'target_root', 'subject', 'sequence', 'camera', 'frame')
train_pipeline = [
    dict(type='GenerateTarget', encoder=lifter_codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
val_pipeline = train_pipeline

dataset_type = 'MpiInf3dhpDataset'
data_root = 'data/mpi_inf_3dhp/'  # raw training release: S1..S8/Seq1..2
train_dataloader = dict(
    batch_size=64,
    # workers run the pipeline; for a training set with cache_samples=True
    # InProcessLoadingHook (custom_hooks) loads in the training process
    num_workers=2,
    persistent_workers=True,
    # never a batch of one sample: BatchNorm1d cannot train on it
    batch_sampler=dict(type='BatchNormSafeBatchSampler'),
    # worker batches cross to the training process as NumPy arrays, not 256
    # tiny shared-memory tensors (LiftingDataPreprocessor turns them back)
    collate_fn=dict(type='lifting_collate'),
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='',
        cache_file='infant_mmpose_cache_train.npz',
        subjects='train',
        keypoint_definition='mpii16',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='',
        cache_file='infant_mmpose_cache_val.npz',
        subjects='val',
        keypoint_definition='mpii16',
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='AJPE', mode='3d', root_index=root_index),
    dict(type='PCK3D', root_index=root_index),
]
test_evaluator = val_evaluator

# Lifter stage 2 (thesis): fine-tune the MPI-INF-3DHP lifter on MINI-RGBD
# with ground-truth 2D input (sequences 1-8 train, 9-10 val, 11-12 test),
# the 25 MINI-RGBD joints mapped to the common MPII-16 definition by the
# data set when it loads (keypoint_definition='mpii16').
# Input normalisation: 'pixel' (thesis, raw pixels), inherited; the
# image-size-independent variant is martinez_minirgbd-gt2d_rootnorm.py.
# Schedule (FACTS section 5): Adam 1e-2, ExponentialLR gamma 0.9, batch 64.
# load_from: the pre-training stage's checkpoint (tools/run_pipeline.py
# passes the real path; by hand use --cfg-options load_from=...).
# Metrics (pelvis-centred, mm): AJPE, PCKh@1.0/@2.0 with the sequence's 3D
# head length (the thesis's 0 < error rule: the pelvis never scores),
# PCK@150mm.
_base_ = ['./martinez_mpi-inf-3dhp.py']

from infant_mmpose.utils import config_path  # noqa: E402

load_from = 'work_dirs/martinez_mpi-inf-3dhp/best.pth'

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-2))
param_scheduler = [dict(type='ExponentialLR', gamma=0.9, by_epoch=True)]

root_index = 6  # pelvis in mpii16
lifter_codec = dict(
    type='MartinezPoseLifting',
    num_keypoints=16,
    root_index=root_index,
    input_norm='pixel')

meta_keys = ('id', 'img_path', 'target_img_path', 'flip_indices',
             'target_root', 'sequence', 'frame', 'head_size')
train_pipeline = [
    dict(type='GenerateTarget', encoder=lifter_codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
val_pipeline = train_pipeline

dataset_type = 'MiniRGBDLiftingDataset'
data_root = 'data/minirgbd/'
keypoints_2d = 'gt'
# samples and joint names in reports follow the common definition
keypoint_definition = 'mpii16'
common_metainfo = dict(from_file=config_path('_base_/datasets/mpii16.py'))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        sequences='train',
        keypoints_2d=keypoints_2d,
        keypoint_definition=keypoint_definition,
        metainfo=common_metainfo,
        # the pipeline is deterministic: encode and pack each training
        # sample once, reuse it every epoch (same samples, less CPU); the
        # batches are then loaded in the training process
        # (InProcessLoadingHook, same random stream as the 2 workers)
        cache_samples=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        sequences='val',
        keypoints_2d=keypoints_2d,
        keypoint_definition=keypoint_definition,
        metainfo=common_metainfo,
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        sequences='test',
        keypoints_2d=keypoints_2d,
        keypoint_definition=keypoint_definition,
        metainfo=common_metainfo,
        test_mode=True,
        pipeline=val_pipeline))

val_evaluator = [
    dict(type='AJPE', mode='3d', root_index=root_index),
    # the thesis's PCKh: 0 < error <= f x head length, so the pelvis (error
    # 0 after centring) never scores; zero_error_correct=True counts it
    dict(type='HeadPCK', factors=(1.0, 2.0), mode='3d',
         root_index=root_index, zero_error_correct=False),
    dict(type='PCK3D', root_index=root_index),
]
test_evaluator = val_evaluator

# MINI-RGBD ground-truth-2D lifter with the image-size-independent input
# normalisation ('root_extent', see martinez_mpi-inf-3dhp_rootnorm.py);
# load_from the root-normalised pre-training. The same 3D pose comes out for
# the same scene filmed at any resolution (tests/test_models_lifter.py).
_base_ = ['./martinez_minirgbd-gt2d.py']

load_from = 'work_dirs/martinez_mpi-inf-3dhp_rootnorm/best.pth'
lifter_codec = dict(
    type='MartinezPoseLifting',
    num_keypoints=16,
    root_index=6,
    input_norm='root_extent')
codec = dict(_delete_=True, **lifter_codec)
model = dict(head=dict(decoder=lifter_codec))

train_pipeline = [
    dict(type='GenerateTarget', encoder=lifter_codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=train_pipeline))

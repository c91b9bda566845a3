# Lifter pre-training on MPI-INF-3DHP with the image-size-independent input
# normalisation ('root_extent'): every 2D pose is centred at the pelvis and
# divided by the larger side of its joints' bounding box, so MPI-INF-3DHP's
# 2048x2048 frames and MINI-RGBD's 640x480 frames give inputs on the same
# scale -- the fix the thesis names for its lifter's failure on real video
# of another size. Everything else as martinez_mpi-inf-3dhp.py.
_base_ = ['./martinez_mpi-inf-3dhp.py']

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
test_dataloader = val_dataloader

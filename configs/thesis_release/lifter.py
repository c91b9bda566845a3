# The thesis's released lifter (MINI_RGBD_FineTune: the Martinez MLP, 32 raw
# pixel coordinates of a 640x480 frame -> 16 x 3 mm relative to the pelvis),
# converted by tools/model_converters/thesis_to_mmpose.py to `lifter.pth`,
# run as the thesis ran it.
#
# Inherits the predicted-2D lifter stage config and changes only what the
# release needs:
# * codec RawPixelPoseLifting: raw pixel input (as the stage config) and the
#   network's output used as it is, in mm, the predicted pelvis not forced
#   to 0; it records the 640x480 frame size its inputs assume (other sizes
#   get a warning from the inferencer: use configs/lifter/*_rootnorm.py or
#   the quickstart lifter for those);
# * no max-norm (the thesis code has none; it only matters in training).
# The same file serves the other released lifters (MINI_RGBD_Lift,
# MPI_INFLifting; the latter assumes 2048x2048 MPI-INF-3DHP frames:
# --cfg-options model.head.decoder.image_size="(2048,2048)").
_base_ = ['../lifter/martinez_minirgbd-pred2d.py']

load_from = None  # the converted lifter.pth is passed as the checkpoint

root_index = 6  # pelvis in mpii16
lifter_codec = dict(
    type='RawPixelPoseLifting',
    num_keypoints=16,
    root_index=root_index,
    image_size=(640, 480))
codec = dict(_delete_=True, **lifter_codec)
model = dict(head=dict(max_norm=None, decoder=lifter_codec))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='EarlyStoppingHook', monitor='AJPE', rule='less', patience=3),
]

meta_keys = ('id', 'img_path', 'target_img_path', 'flip_indices',
             'target_root', 'sequence', 'frame', 'head_size')
train_pipeline = [
    dict(type='GenerateTarget', encoder=lifter_codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys),
]
val_pipeline = train_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))

# The thesis's released 2D model (MINI_RGBD_2D: ResNet-50 + three 4x4
# transposed convs, 16 MPII-order heatmaps of 64x64 from 256x256 crops),
# converted by tools/model_converters/thesis_to_mmpose.py to `pose2d.pth`
# (transposed-conv biases folded into identity BatchNorms), run as the
# thesis ran it.
#
# Inherits the MINI-RGBD 2D stage config and changes only inference:
# * input: RGB scaled to 0-1, no mean/std normalisation (the thesis fed
#   ToTensor() output to an ImageNet-initialised ResNet);
# * crop: the box rounded, its integer centre, a square of the longer side,
#   no padding (RoundedSquareBox + GetBBoxCenterScale(padding=1.0));
# * decoding: plain argmax, no quarter-pixel shift, maxima <= 0 -> cell (0, 0)
#   (ArgmaxHeatmap); no flip test.
_base_ = ['../pose2d/td-hm_res50_minirgbd-256x256.py']

load_from = None  # the converted pose2d.pth is passed as the checkpoint

codec = dict(
    type='ArgmaxHeatmap', input_size=(256, 256), heatmap_size=(64, 64),
    sigma=2)
model = dict(
    data_preprocessor=dict(
        mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0], bgr_to_rgb=True),
    backbone=dict(init_cfg=None),
    head=dict(decoder=codec),
    test_cfg=dict(flip_test=False))

meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
             'img_shape', 'input_size', 'input_center', 'input_scale',
             'flip', 'flip_direction', 'flip_indices', 'sequence', 'frame')
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='RoundedSquareBox'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

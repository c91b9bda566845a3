# Model-zoo preset: MMPose's published MPII SimpleBaseline ResNet-50
# (256x256, PCKh@0.5 = 88.2; the thesis's own 2D pre-training stage) in this
# project's MPII stage config (infant-mmpose-infer --zoo-pose2d).
# load_from is the published checkpoint: MMEngine downloads it once into
# $TORCH_HOME/hub/checkpoints/ and reads it with weights_only=True; its
# MMPose 0.x key names (keypoint_head.*) are renamed by MMPose on loading.
_base_ = ['../pose2d/td-hm_res50_mpii16-256x256.py']

load_from = ('https://download.openmmlab.com/mmpose/top_down/resnet/'
             'res50_mpii_256x256-418ffc88_20200812.pth')
# every weight comes from load_from: no ImageNet download
model = dict(backbone=dict(init_cfg=None))

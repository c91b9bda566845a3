# Ablation (thesis Table 5.2, "2D w/o adult pre-training"): the 2D model
# goes from ImageNet straight to MINI-RGBD, skipping the MPII stage.
# The ImageNet ResNet-50 (torchvision://resnet50) is downloaded when
# training starts; everything else as the main 2D config.
_base_ = ['../pose2d/td-hm_res50_minirgbd-256x256.py']

load_from = None
model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True, type='Pretrained',
            checkpoint='torchvision://resnet50')))

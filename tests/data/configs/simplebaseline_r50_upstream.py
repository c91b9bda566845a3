# SimpleBaseline ResNet-50 exactly as MMPose ships it, with the plugin loaded
# and no pretrained weights (nothing may be downloaded in tests).
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/mpii/td-hm_res50_8xb64-210e_mpii-256x256.py']
custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)
model = dict(backbone=dict(init_cfg=None))

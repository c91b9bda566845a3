# A COCO model from MMPose's zoo as the 2D stage: RTMPose-m (COCO val AP
# 75.8), unchanged, feeding a lifter trained in the COCO-17 common
# definition (any lifter config with common_definition='coco17', e.g. the
# quickstart's: tools/quickstart.py --common-definition coco17). The
# inferencer recognises the model's COCO joint names as 'coco17' and checks
# that the lifter is in the same definition:
#
#   .venv/bin/python tools/infer.py VIDEO --out-dir OUT \
#       --pose2d-config configs/pose2d/rtmpose-m_coco-zoo-256x192.py \
#       --pose2d-checkpoint <the zoo checkpoint below, downloaded> \
#       --lifter-config <COCO-17 lifter config> --lifter-checkpoint ... \
#       --det-config ... --det-checkpoint ...
#
# Any other zoo COCO model (HRNet, SimpleBaseline, ViTPose) works the same
# way: inherit its MMPose config and set load_from to its checkpoint. The
# weights are the zoo's file (MMEngine layout: state_dict + meta); nothing
# else of this project is needed for the 2D stage.
_base_ = [
    'mmpose::body_2d_keypoint/rtmpose/coco/'
    'rtmpose-m_8xb256-420e_coco-256x192.py'
]

custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)

load_from = ('https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/'
             'rtmpose-m_simcc-coco_pt-aic-coco_420e-256x192-d8dd5ca4_20230127.pth')
# the checkpoint holds every weight: no ImageNet / CSPNeXt download
model = dict(backbone=dict(init_cfg=None))

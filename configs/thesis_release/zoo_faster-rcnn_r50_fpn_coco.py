# Model-zoo preset: MMDetection's published COCO Faster R-CNN R50-FPN (the
# thesis's detector starting point), whose class 0 "person" stands in for
# the infant (infant-mmpose-infer --zoo-detector; --det-cat-id 0).
# load_from is the published checkpoint: MMEngine downloads it once into
# $TORCH_HOME/hub/checkpoints/ and reads it with weights_only=True
# (infant_mmpose.utils.url_checkpoints). Box AP 37.4 on COCO val2017.
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py']

custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)

load_from = ('https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/'
             'faster_rcnn_r50_fpn_1x_coco/'
             'faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth')
# every weight comes from load_from: no ImageNet download
model = dict(backbone=dict(init_cfg=None))

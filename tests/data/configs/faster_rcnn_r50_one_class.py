# MMDetection's Faster R-CNN ResNet-50 FPN with one class, no pretrained weights.
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py']
custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)
model = dict(
    backbone=dict(init_cfg=None),
    roi_head=dict(bbox_head=dict(num_classes=1)))

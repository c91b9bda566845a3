# 2D model on real infant photos: fine-tune MMPose's COCO SimpleBaseline
# (ResNet-50, 256x192, COCO val AP 71.8) on any COCO-format infant data set
# in SyRIP's layout, as FiDIP does (SyRIP: 700 real infant photos, COCO-17
# keypoints; FiDIP reports AP 90.1 on its 100 real test photos):
#
#   <data_root>/images/train_infant/*.jpg
#   <data_root>/images/validate_infant/*.jpg
#   <data_root>/annotations/person_keypoints_train_infant.json
#   <data_root>/annotations/person_keypoints_validate_infant.json
#
# Everything is MMPose's own: CocoDataset (COCO-17 keypoints, ground-truth
# boxes as in FiDIP's evaluation, no person-detector results file) and
# CocoMetric (OKS AP / AR over 0.50:0.95, the figure FiDIP reports). With
# ann_file=None CocoMetric scores against the evaluated data set's own
# annotation file, so moving data_root with --cfg-options moves it too.
#
# load_from: MMPose's published COCO checkpoint (downloaded on first use;
# without network pass --cfg-options load_from=<local .pth> or None).
# Fine-tuning schedule: Adam 1e-4 (a tenth of MMPose's COCO rate), 20 epochs,
# the best validation AP kept.
# Synthetic stand-in for tests and the README: tools/make_synthetic_minirgbd.py
# --coco17 writes this layout from generated MINI-RGBD frames.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]

custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)

load_from = ('https://download.openmmlab.com/mmpose/top_down/resnet/'
             'res50_coco_256x192-ec54d7f3_20200709.pth')
# every weight comes from load_from: no ImageNet download
model = dict(backbone=dict(init_cfg=None))

train_cfg = dict(max_epochs=20, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', T_max=20, eta_min=1e-6, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    checkpoint=dict(save_best='coco/AP', rule='greater', max_keep_ckpts=2),
    logger=dict(interval=10))

data_root = 'data/syrip/'
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train_infant.json',
        data_prefix=dict(img='images/train_infant/')))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_validate_infant.json',
        bbox_file=None,
        data_prefix=dict(img='images/validate_infant/')))
test_dataloader = val_dataloader

val_evaluator = dict(type='CocoMetric', ann_file=None)
test_evaluator = val_evaluator

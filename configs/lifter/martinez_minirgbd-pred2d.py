# Lifter stage 3 (thesis): fine-tune the ground-truth-2D lifter on the 2D
# model's predictions (a 2D-predictions file in mpii16, written by
# tools/predict_pose2d_minirgbd.py for sequences 1-12 on detector boxes).
# Same schedule as stage 2 (Adam 1e-2, gamma 0.9, batch 64); load_from =
# the stage-2 checkpoint (tools/run_pipeline.py passes both paths).
# The predictions file names its definition (mpii16): the data set keeps
# that 2D input as it is and maps only the 3D targets from minirgbd25.
_base_ = ['./martinez_minirgbd-gt2d.py']

load_from = 'work_dirs/martinez_minirgbd-gt2d/best.pth'
keypoints_2d = 'work_dirs/pose2d_predictions/minirgbd_pose2d.json'

train_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))
val_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))
test_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))

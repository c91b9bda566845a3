# MINI-RGBD predicted-2D lifter with the image-size-independent input
# normalisation; load_from the root-normalised ground-truth-2D stage.
_base_ = ['./martinez_minirgbd-gt2d_rootnorm.py']

load_from = 'work_dirs/martinez_minirgbd-gt2d_rootnorm/best.pth'
keypoints_2d = 'work_dirs/pose2d_predictions/minirgbd_pose2d.json'
train_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))
val_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))
test_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))

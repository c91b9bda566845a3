# QUICKSTART lifter, last stage: fine-tune the quickstart lifter on the
# quickstart 2D model's predictions (tools/run_pipeline.py passes load_from
# and the predictions file).
_base_ = ['./lifter.py']

keypoints_2d = 'work_dirs/pose2d_predictions/minirgbd_pose2d.json'
train_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))
val_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))
test_dataloader = dict(dataset=dict(keypoints_2d=keypoints_2d))
# a gentle fine-tuning: the 2D model's predictions on its own training
# sequences are much better than on unseen ones, so a long fine-tuning on
# them makes the lifter worse on the test sequences
optim_wrapper = dict(optimizer=dict(lr=5e-5))
train_cfg = dict(max_epochs=10, val_interval=5)

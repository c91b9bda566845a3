# Ablation (thesis Table 5.2, "2D w/o bounding box crop"): the 2D model sees
# the whole 640x480 frame instead of the infant's box. The data set's mask
# box padded by 10,000 px and clipped to the image is the whole frame; the
# test split uses the same full-frame box (no detector).
_base_ = ['../pose2d/td-hm_res50_minirgbd-256x256.py']

full_frame = dict(bbox_file=None, bbox_padding=10000.0)
train_dataloader = dict(dataset=full_frame)
val_dataloader = dict(dataset=full_frame)
test_dataloader = dict(dataset=full_frame)

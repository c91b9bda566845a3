"""Test helper: a tiny schedule for the quickstart configs."""


def tiny_quickstart_options(stages) -> list:
    """``STAGE:key=value`` overrides that make the quickstart configs of
    ``stages`` train one epoch, validating after it; the image stages train
    and evaluate on a few frames only (detections and 2D predictions still
    cover every frame)."""
    opts = [f'{s}:{key}' for s in stages
            for key in ('train_cfg.max_epochs=1', 'train_cfg.val_interval=1')]
    for stage, n_train in (('detector', 4), ('pose2d', 16)):
        if stage in stages:
            opts += [f'{stage}:train_dataloader.dataset.indices={n_train}',
                     f'{stage}:val_dataloader.dataset.indices=4',
                     f'{stage}:test_dataloader.dataset.indices=4']
    return opts

"""Test helper: tiny schedules for the pipeline's stage configs."""


def tiny_stage_options(stages, eval_frames: int = 4) -> dict:
    """``{stage: {key: value}}`` overrides that make the configs of
    ``stages`` train one epoch, validating after it; the image stages train
    on a few frames and evaluate on ``eval_frames`` (detections and 2D
    predictions still cover every frame)."""
    opts = {s: {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1}
            for s in stages}
    for stage, n_train in (('detector', 4), ('pose2d', 16)):
        if stage in opts:
            opts[stage].update({
                'train_dataloader.dataset.indices': n_train,
                'val_dataloader.dataset.indices': eval_frames,
                'test_dataloader.dataset.indices': eval_frames})
    return opts


def tiny_quickstart_options(stages) -> list:
    """:func:`tiny_stage_options` as ``STAGE:key=value`` command-line items
    (``--cfg-options`` of tools/run_pipeline.py and tools/quickstart.py)."""
    return [f'{stage}:{key}={value}'
            for stage, values in tiny_stage_options(stages).items()
            for key, value in values.items()]

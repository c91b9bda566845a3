"""The staged pipeline end to end on tiny generated data: killed in the middle
of a training stage, re-run, it skips finished stages and resumes the killed
one from its last checkpoint."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

from pipeline_helpers import tiny_quickstart_options, tiny_stage_options

from infant_mmpose.utils import PROJECT_ROOT

KILLED_STAGE = 'lifter_gt2d'
BEFORE_KILL = ['coco', 'detector', 'detections', 'pose2d',
               'pose2d_predictions', 'lifter_pretrain']
ALL_STAGES = BEFORE_KILL + [KILLED_STAGE, 'lifter_gt2d_on_pred2d',
                            'lifter_pred2d']


def _command(minirgbd_root, adult_root, work_dir):
    opts = tiny_quickstart_options(('detector', 'pose2d', 'lifter_pretrain',
                                    'lifter_pred2d'))
    # long enough to be killed half-way: 30 one-iteration epochs, a
    # checkpoint after each
    opts += [f'{KILLED_STAGE}:train_cfg.max_epochs=30',
             f'{KILLED_STAGE}:train_cfg.val_interval=100',
             f'{KILLED_STAGE}:default_hooks.checkpoint.interval=1',
             f'{KILLED_STAGE}:custom_hooks=[]']
    return [sys.executable, osp.join(PROJECT_ROOT, 'tools', 'run_pipeline.py'),
            '--minirgbd-root', minirgbd_root, '--mpi-inf-3dhp-root',
            adult_root, '--work-dir', work_dir, '--quickstart-configs',
            '--threads', '1', '--cfg-options'] + opts


def _done_times(work_dir):
    return {s: os.stat(osp.join(work_dir, s, 'done.json')).st_mtime_ns
            for s in ALL_STAGES
            if osp.isfile(osp.join(work_dir, s, 'done.json'))}


def test_pipeline_killed_mid_stage_resumes(minirgbd_root, adult_root,
                                           tmp_path):
    work = str(tmp_path / 'pipeline')
    cmd = _command(minirgbd_root, adult_root, work)
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    first_ckpt = osp.join(work, KILLED_STAGE, 'work', 'epoch_2.pth')
    with open(tmp_path / 'run1.log', 'w') as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        deadline = time.time() + 300
        while not osp.isfile(first_ckpt) and proc.poll() is None:
            assert time.time() < deadline, 'pipeline too slow'
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    run1 = (tmp_path / 'run1.log').read_text()
    assert osp.isfile(first_ckpt), run1[-3000:]
    finished = _done_times(work)
    assert sorted(finished) == sorted(BEFORE_KILL), run1[-3000:]
    assert not osp.isfile(osp.join(work, 'summary.json'))

    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    out = result.stdout
    # finished stages are not run again ...
    for stage in BEFORE_KILL:
        assert f'{stage}: already done, skipped' in out
    after = _done_times(work)
    assert {s: after[s] for s in BEFORE_KILL} == finished
    assert sorted(after) == sorted(ALL_STAGES)
    # ... and the killed one resumed from its last checkpoint, not epoch 0
    with open(osp.join(work, KILLED_STAGE, 'done.json')) as f:
        done = json.load(f)['outputs']
    resumed = done['resumed_from']
    assert resumed is not None and osp.basename(resumed).startswith('epoch_')
    resumed_epoch = int(osp.basename(resumed)[6:-4])
    # (the kill may land between saving epoch_2.pth and updating
    # last_checkpoint, so epoch 1 is a valid resume point too)
    assert 1 <= resumed_epoch < 30
    logs = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(osp.join(work, KILLED_STAGE, 'work'))
        for name in names if name.endswith('.log'))
    second = open(logs[-1]).read()
    assert 'resumed epoch' in second.lower() or \
        f'Epoch(train) [{resumed_epoch + 1}]' in second
    assert 'Epoch(train) [1]' not in second
    assert osp.isfile(osp.join(work, KILLED_STAGE, 'work', 'epoch_30.pth'))

    # every stage's metrics are in one summary (JSON + Markdown)
    with open(osp.join(work, 'summary.json')) as f:
        summary = json.load(f)
    stages = {row['stage'] for row in summary['rows']}
    assert {'detector', 'pose2d', 'lifter_pretrain', KILLED_STAGE,
            'lifter_gt2d_on_pred2d', 'lifter_pred2d'} <= stages
    rows = {row['stage']: row['metrics'] for row in summary['rows']}
    assert 0.0 <= rows['detector']['mIoU'] <= 100.0
    assert rows['pose2d']['AJPE'] > 0 and rows[KILLED_STAGE]['AJPE'] > 0
    markdown = open(osp.join(work, 'summary.md')).read()
    assert '## lifter_pred2d' in markdown and 'PCKh@1.0' in markdown
    # the stage files the data sets consume were written
    from infant_mmpose.fileio.result_files import (load_detections,
                                                     load_pose2d_predictions)
    detections = load_detections(osp.join(work, 'detections',
                                           'minirgbd_detections.json'))
    assert len(detections) == 36
    definition, preds = load_pose2d_predictions(
        osp.join(work, 'pose2d_predictions', 'minirgbd_pose2d.json'))
    assert definition == 'mpii16' and len(preds) == 36


def _thesis_options():
    """The thesis configs made tiny: one epoch per stage, a few frames, no
    worker processes, no ImageNet download for the detector's backbone."""
    from infant_mmpose.pipeline.stage_options import merge_stage_options
    loaders = {f'{split}_dataloader.{key}': value
               for split in ('train', 'val', 'test')
               for key, value in (('num_workers', 0),
                                  ('persistent_workers', False))}
    trained = ('detector', 'pose2d', 'lifter_pretrain', 'lifter_gt2d',
               'lifter_pred2d')
    opts = merge_stage_options(
        tiny_stage_options(trained, eval_frames=2),
        {stage: loaders for stage in trained + ('lifter_gt2d_on_pred2d', )})
    opts['detector']['model.backbone.init_cfg'] = None
    return opts


def test_thesis_configs_chain_end_to_end(minirgbd_root, adult_root, tmp_path,
                                         one_torch_thread):
    """The full-size thesis configs (R50 Faster R-CNN at 640x480, R50
    SimpleBaseline at 256x256, 1024-wide Martinez lifter) run as one staged
    pipeline: each stage consumes the files the previous one wrote."""
    import torch

    from infant_mmpose.fileio.result_files import (load_detections,
                                                     load_pose2d_predictions)
    from infant_mmpose.pipeline.run import run_pipeline
    from infant_mmpose.pipeline.thesis_stages import PipelineInputs
    work = str(tmp_path / 'thesis')
    result = run_pipeline(PipelineInputs(minirgbd_root, adult_root), work,
                          cfg_options=_thesis_options(), log=lambda m: None)
    outputs = result['outputs']
    assert sorted(outputs) == sorted(ALL_STAGES)

    def weights(stage):
        ckpt = torch.load(outputs[stage]['checkpoint'], map_location='cpu',
                          weights_only=False)
        return ckpt['state_dict']

    # the checkpoints are the thesis-size models, not the quickstart ones
    assert weights('detector')['backbone.layer4.2.conv3.weight'].shape[0] \
        == 2048
    pose = weights('pose2d')
    assert pose['backbone.layer4.2.conv3.weight'].shape[0] == 2048
    assert pose['head.final_layer.weight'].shape[0] == 16
    lifter = weights('lifter_pred2d')
    assert lifter['head.stem.0.weight'].shape == (1024, 32)
    # every frame got a box and a 2D pose in the common definition
    assert len(load_detections(osp.join(
        work, 'detections', 'minirgbd_detections.json'))) == 36
    definition, preds = load_pose2d_predictions(
        osp.join(work, 'pose2d_predictions', 'minirgbd_pose2d.json'))
    assert definition == 'mpii16' and len(preds) == 36
    rows = {row['stage']: row['metrics']
            for row in result['summary']['rows']}
    for stage in ('lifter_gt2d', 'lifter_gt2d_on_pred2d', 'lifter_pred2d'):
        assert rows[stage]['AJPE'] > 0
    assert 0.0 <= rows['detector']['mIoU'] <= 100.0

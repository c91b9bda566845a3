"""``tools/quickstart.py`` (the README's main job) end to end on tiny data:
data generation, the staged training, baselines, inference on a rendered
test sequence, report and summary. One-epoch schedules: this checks the
glue and the outputs, not the models' quality (the quickstart run itself
shows that; see README)."""
import csv
import os.path as osp
import subprocess
import sys

from pipeline_helpers import tiny_quickstart_options

from infant_mmpose.structures.keypoint_definitions import get_definition
from infant_mmpose.utils import PROJECT_ROOT

STAGES = ('detector', 'pose2d', 'lifter_pretrain', 'lifter_gt2d',
          'lifter_pred2d')
FRAMES = 3


def test_quickstart_writes_every_output(tmp_path):
    out, data = tmp_path / 'out', tmp_path / 'data'
    cmd = [sys.executable, osp.join(PROJECT_ROOT, 'tools', 'quickstart.py'),
           '--out', str(out), '--data', str(data), '--frames', str(FRAMES),
           '--adult-frames', '2', '--cfg-options'
           ] + tiny_quickstart_options(STAGES)
    result = subprocess.run(cmd, capture_output=True, text=True,
                            cwd=str(tmp_path))
    log = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, log
    printed = result.stdout[result.stdout.index('QUICKSTART SUMMARY'):]

    # the comparison table has a row per headline metric of every stage
    for stage in ('detector', 'pose2d', 'lifter_gt2d',
                  'lifter_gt2d_on_pred2d', 'lifter_pred2d'):
        assert f'| {stage} |' in printed
    # every printed output path exists, inside the results folder
    paths = {}
    for line in printed.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith(str(out)):
            paths[parts[0]] = parts[1]
    assert set(paths) == {'summary', 'report', 'vis', 'csv', 'json',
                          'time_series_chart', 'movement_features',
                          'movement_sheet'}, printed
    for path in paths.values():
        assert osp.getsize(path) > 0, path
    summary = open(paths['summary']).read()
    assert '## Trained vs untrained vs mean baseline' in summary
    assert 'synthetic MINI-RGBD' in open(paths['report']).read()
    # the time series covers every frame of the rendered test sequence
    with open(paths['csv'], newline='') as f:
        frames = {row['frame'] for row in csv.DictReader(f)}
    assert len(frames) == FRAMES
    # one movement feature row, for the inferencer's series
    with open(paths['movement_features'], newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]['input'].endswith('.npz')
    assert float(rows[0]['recording_trunk_length_mm']) > 0

    # a second run resumes: nothing is trained again
    again = subprocess.run(cmd, capture_output=True, text=True,
                           cwd=str(tmp_path))
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr
    for stage in STAGES:
        assert f'{stage}: already done, skipped' in again.stdout


def test_quickstart_in_coco17(tmp_path):
    """``--common-definition coco17``: every stage trains and is tested in
    COCO-17 (one switch), and the same outputs come out."""
    out, data = tmp_path / 'out', tmp_path / 'data'
    cmd = [sys.executable, osp.join(PROJECT_ROOT, 'tools', 'quickstart.py'),
           '--out', str(out), '--data', str(data), '--frames', str(FRAMES),
           '--adult-frames', '2', '--common-definition', 'coco17',
           '--cfg-options'] + tiny_quickstart_options(STAGES)
    result = subprocess.run(cmd, capture_output=True, text=True,
                            cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    printed = result.stdout[result.stdout.index('QUICKSTART SUMMARY'):]
    assert 'coco17' in printed.splitlines()[0]
    for stage in ('detector', 'pose2d', 'lifter_gt2d',
                  'lifter_gt2d_on_pred2d', 'lifter_pred2d'):
        assert f'| {stage} |' in printed
    # the stages' configs, re-expressed in COCO-17, are kept with the run
    from infant_mmpose.pipeline.mm_runner import load_config
    pose2d = load_config(str(out / 'work' / 'configs' / 'pose2d.py'))
    assert pose2d.model.head.out_channels == 17
    # 2D predictions and the lifted time series are COCO-17 joints
    from infant_mmpose.fileio.result_files import load_pose2d_predictions
    definition, predictions = load_pose2d_predictions(
        str(out / 'work' / 'pose2d_predictions' / 'minirgbd_pose2d.json'))
    assert definition == 'coco17'
    assert {len(p['keypoints']) for p in predictions.values()} == {17}
    with open(out / 'inference' / 'test_sequence_11.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    joints = list(dict.fromkeys(row['joint'] for row in rows))
    assert joints == list(get_definition('coco17')['keypoint_name2id'])
    assert 'coco17' in open(out / 'report' / 'report.md').read()
    # movement features find their joints by name in COCO-17 too
    with open(out / 'movement' / 'features.csv', newline='') as f:
        movement = list(csv.DictReader(f))
    assert len(movement) == 1
    assert float(movement[0]['l_wrist_speed_median']) >= 0

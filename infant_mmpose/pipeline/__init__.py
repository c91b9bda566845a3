"""The staged detector -> 2D -> lifter training pipeline (thesis chapter 3).

Not imported by ``infant_mmpose`` itself (it registers nothing); the tools
``tools/run_pipeline.py``, ``tools/detect_minirgbd.py``,
``tools/predict_pose2d_minirgbd.py`` and ``tools/quickstart.py`` use it.
"""

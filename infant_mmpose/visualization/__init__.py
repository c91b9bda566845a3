"""Reports (tables and plots of evaluation results) and sample pictures.

Not imported by ``infant_mmpose`` itself: it needs matplotlib only when a
report or a picture is drawn.
"""

"""Keypoint definitions, visibility rules and boxes shared by every stage.

The counterpart of ``mmpose.structures``: plain numpy functions with no
registry, used by the readers, data sets, inferencer and metrics alike.
"""

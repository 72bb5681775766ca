"""Tandem's click-segmentation model: training, evaluation and ONNX export (see ../CONTEXT.md)."""

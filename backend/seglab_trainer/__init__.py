"""SegLab trainer: datasets, models, training, ONNX export and the HTTP training service."""

__version__ = "0.1.0"

#: Normalisation shared by training, export and the model card (ImageNet statistics, RGB).
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)

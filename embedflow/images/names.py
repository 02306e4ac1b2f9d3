"""Image-model and normalisation names that block settings list, without loading the catalogue."""

OWN_MODEL = "onnx-file"
CATALOG_IDS = ("squeezenet", "resnet18-v2", "shufflenet-v2")
MODEL_IDS = (*CATALOG_IDS, OWN_MODEL)
NORMALISATION_NAMES = ("imagenet", "caffe", "unit", "symmetric", "none")

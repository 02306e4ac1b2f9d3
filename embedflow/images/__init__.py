"""Image loading, SqueezeNet and other ONNX image models, model downloads and the server client."""

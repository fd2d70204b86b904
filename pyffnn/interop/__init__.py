"""Interoperation with other frameworks: ONNX export and PyTorch conversion (both optional dependencies)."""

"""kokoro-ja: a stream-tts worker that speaks Japanese with Kokoro-82M (int8 ONNX, onnxruntime)."""

"""ONNX Runtime on the CPU: the default backend wherever no GPU is present."""

from pathlib import Path

import numpy as np
import onnxruntime


class OnnxRuntimeBackend:
    """One inference session, shared by worker threads (ONNX Runtime's ``run`` is thread-safe)."""

    name = "onnxruntime"

    def __init__(self, model: Path, threads: int = 1):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        try:
            self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types
            raise ValueError(f"{model}: not a model ONNX Runtime can load ({error})") from error
        (self._input,) = self._session.get_inputs()
        self._dtype = np.float16 if "float16" in self._input.type else np.float32
        self.sample_shape = tuple(self._input.shape[1:])

    def run(self, batch: np.ndarray) -> np.ndarray:
        (output,) = self._session.run(None, {self._input.name: batch.astype(self._dtype, copy=False)})
        return output.astype(np.float32, copy=False)

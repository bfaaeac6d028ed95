"""TensorRT on an NVIDIA GPU (TensorRT 10/11 API, CUDA through cuda-python).

Imported only when this backend is chosen. Engines are built from the ONNX with an
optimisation profile over the batch size (the model record's ``batch_profile``: a scene
classifier's few tiles a frame, else a frame's hundreds of screening candidates) and cached on
disk, keyed by the TensorRT version, the GPU's name and compute capability, the profile and
the model's hash: an engine runs only
on the GPU and TensorRT version it was built for. Each thread gets its own execution
context, stream and buffers (creating a context is costly, so they are reused).
"""

import hashlib
import os
import threading
from pathlib import Path

import numpy as np
import tensorrt as trt
from cuda.bindings import runtime as cudart

from edge.pipeline.backends import batch_profile

_LOGGER = trt.Logger(trt.Logger.WARNING)


def _check(result):
    status, *values = result if isinstance(result, tuple) else (result,)
    if status != cudart.cudaError_t.cudaSuccess:
        raise RuntimeError(f"CUDA call failed: {cudart.cudaGetErrorString(status)[1].decode()}")
    return values[0] if len(values) == 1 else values


def engine_cache_path(model: Path, profile: tuple[int, int], cache_dir: Path | None = None) -> Path:
    """Where the engine for ``model`` built with the batch ``profile`` (optimal, largest) on this
    GPU and TensorRT version is cached."""
    properties = _check(cudart.cudaGetDeviceProperties(0))
    gpu = f"{properties.name.decode().replace(' ', '_')}-sm{properties.major}{properties.minor}"
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:16]
    optimal, largest = profile
    cache_dir = cache_dir or Path(os.environ.get("EDGE_ENGINE_CACHE", Path.home() / ".cache" / "edge" / "engines"))
    return cache_dir / f"{model.stem}-{digest}-b{optimal}-{largest}-trt{trt.__version__}-{gpu}.engine"


def build_engine(model: Path, cache_dir: Path | None = None, profile: tuple[int, int] | None = None) -> Path:
    """Build (or find in the cache) the serialized engine of ``model`` for the batch ``profile``
    (default: its record's, ``batch_profile``); returns its path."""
    profile = profile or batch_profile(model)
    path = engine_cache_path(model, profile, cache_dir)
    if path.is_file():
        return path
    builder = trt.Builder(_LOGGER)
    network = builder.create_network(0)  # explicit batch is the only mode in TensorRT 10+
    parser = trt.OnnxParser(network, _LOGGER)
    if not parser.parse(model.read_bytes()):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise ValueError(f"{model}: TensorRT could not parse the ONNX ({errors})")
    config = builder.create_builder_config()
    tensor = network.get_input(0)
    shape = tuple(tensor.shape)[1:]
    optimal, largest = profile
    shapes = builder.create_optimization_profile()
    shapes.set_shape(tensor.name, (1, *shape), (optimal, *shape), (largest, *shape))
    config.add_optimization_profile(shapes)
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise RuntimeError(f"{model}: TensorRT could not build an engine")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(serialized))
    return path


class _Worker:
    """One thread's execution context, stream and device/pinned buffers."""

    def __init__(self, engine, input_name: str, output_name: str, sample_shape: tuple, output_shape: tuple, dtype):
        self.context = engine.create_execution_context()
        self.stream = _check(cudart.cudaStreamCreate())
        self.input_name, self.output_name = input_name, output_name
        self.sample_shape, self.output_shape, self.dtype = sample_shape, output_shape, dtype
        self.capacity = 0

    def ensure(self, batch: int) -> None:
        if batch <= self.capacity:
            return
        if self.capacity:
            for pointer in (self.device_in, self.device_out):
                _check(cudart.cudaFree(pointer))
            for pointer in (self.host_in, self.host_out):
                _check(cudart.cudaFreeHost(pointer))
        item = np.dtype(self.dtype).itemsize
        self.in_bytes = batch * int(np.prod(self.sample_shape)) * item
        self.out_bytes = batch * int(np.prod(self.output_shape)) * item
        self.device_in = _check(cudart.cudaMalloc(self.in_bytes))
        self.device_out = _check(cudart.cudaMalloc(self.out_bytes))
        self.host_in = _check(cudart.cudaMallocHost(self.in_bytes))
        self.host_out = _check(cudart.cudaMallocHost(self.out_bytes))
        self.capacity = batch

    def run(self, batch: np.ndarray) -> np.ndarray:
        count = len(batch)
        self.ensure(count)
        host_in = np.ctypeslib.as_array((np.ctypeslib.ctypes.c_byte * self.in_bytes).from_address(self.host_in))
        host_in = host_in.view(self.dtype)[: batch.size].reshape(batch.shape)
        host_in[...] = batch
        nbytes = batch.nbytes
        kind = cudart.cudaMemcpyKind
        _check(cudart.cudaMemcpyAsync(self.device_in, self.host_in, nbytes, kind.cudaMemcpyHostToDevice, self.stream))
        self.context.set_input_shape(self.input_name, batch.shape)
        self.context.set_tensor_address(self.input_name, self.device_in)
        self.context.set_tensor_address(self.output_name, self.device_out)
        if not self.context.execute_async_v3(self.stream):
            raise RuntimeError("TensorRT execution failed")
        out_bytes = count * int(np.prod(self.output_shape)) * np.dtype(self.dtype).itemsize
        _check(
            cudart.cudaMemcpyAsync(self.host_out, self.device_out, out_bytes, kind.cudaMemcpyDeviceToHost, self.stream)
        )
        _check(cudart.cudaStreamSynchronize(self.stream))
        host_out = np.ctypeslib.as_array((np.ctypeslib.ctypes.c_byte * out_bytes).from_address(self.host_out))
        return host_out.view(self.dtype).reshape(count, *self.output_shape).astype(np.float32)


class TensorRTBackend:
    """Runs the ONNX model's engine; safe to call from several threads."""

    name = "tensorrt"

    def __init__(self, model: Path, cache_dir: Path | None = None):
        runtime = trt.Runtime(_LOGGER)
        profile = batch_profile(model)
        self._engine = runtime.deserialize_cuda_engine(build_engine(model, cache_dir, profile).read_bytes())
        self._largest = profile[1]
        names = [self._engine.get_tensor_name(i) for i in range(self._engine.num_io_tensors)]
        inputs = [n for n in names if self._engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT]
        outputs = [n for n in names if self._engine.get_tensor_mode(n) == trt.TensorIOMode.OUTPUT]
        self._input, self._output = inputs[0], outputs[0]
        self._dtype = trt.nptype(self._engine.get_tensor_dtype(self._input))
        self.sample_shape = tuple(self._engine.get_tensor_shape(self._input))[1:]
        self._output_shape = tuple(self._engine.get_tensor_shape(self._output))[1:]
        self._local = threading.local()

    def run(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) > self._largest:
            step = self._largest
            return np.concatenate([self.run(batch[i : i + step]) for i in range(0, len(batch), step)])
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = _Worker(
                self._engine, self._input, self._output, self.sample_shape, self._output_shape, self._dtype
            )
            self._local.worker = worker
        return worker.run(np.ascontiguousarray(batch, self._dtype))

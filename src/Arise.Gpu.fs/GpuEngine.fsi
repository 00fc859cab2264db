namespace Arise.Gpu

open Arise.Model

/// Where the GPU engine runs its kernels.
[<RequireQualifiedAccess>]
type Device =
    /// The first NVIDIA GPU, through CUDA: ILGPU compiles the kernels to PTX and needs only the NVIDIA driver.
    | Cuda
    /// ILGPU's CPU accelerator: the same kernels run on the CPU. Slow; for tests and machines without a GPU.
    | CpuAccelerator

/// The matrix-product kernel of a GPU engine (all give the same sums, term by term in the same order).
[<RequireQualifiedAccess>]
type Product =
    /// Shared-memory tiles: a group of G × G threads computes 4G × 4G outputs, 4 × 4 a thread (G ≤ 16).
    | Tiled of group: int
    /// As Tiled with 8 × 8 outputs a thread: a group of G × G threads computes 8G × 8G outputs (G ≤ 16), reading half
    /// as much from shared memory per product, and the next depth tile loaded while the current one is multiplied. The
    /// CUDA default, G = 8 (on an H200: 22 % of the FP32 peak in MC dropout, G = 16 20 %, the 4 × 4 tiles 17 %).
    | Wide of group: int
    /// One thread per 4 × 4 outputs read straight from memory, no barriers. The CPU accelerator's default.
    | Blocked

/// Settings of a GPU engine.
type GpuSettings =
    {
        Device: Device
        Product: Product
        /// Rows (passes) a batch holds on the device: a batch is ⌊BatchRows / T⌋ inputs × T passes (at least one input).
        BatchRows: int
    }

/// The ILGPU engine: Monte Carlo dropout on a GPU (or ILGPU's CPU accelerator), with the same counter-based dropout
/// masks as the managed engine (Dropout.passKey/hash), so both give the same predictions up to float rounding; and
/// training (forward, backpropagation, Adam on the device; the epochs, validation and selection of Training).
module Gpu =

    /// The CUDA devices found, as "name (memory GiB)"; empty without an NVIDIA GPU and driver.
    val cudaDevices: unit -> string list

    /// The first CUDA device's name and FP32 CUDA-core peak in GFLOP/s (multiprocessors × FP32 cores per
    /// multiprocessor of its architecture × 2 × clock); None without a CUDA device.
    val cudaPeak: unit -> (string * float) option

    /// The default settings on a device: CUDA tiled G = 16 with 131,072-row batches; the CPU accelerator blocked with
    /// 4,096-row batches.
    val defaults: device: Device -> GpuSettings

    /// The ILGPU engine with these settings; Error with the reason when the device is not there. Engines are made
    /// once per settings and kept for the life of the process.
    val engine: settings: GpuSettings -> Result<IEngine, string>

    /// The training stepper of an ILGPU engine for a network (None for another engine): for tests.
    val internal stepper: engine: IEngine -> options: TrainingOptions -> net: Network -> IStepper option

    /// The names `select` takes: auto, cpu, gpu, ilgpu-cpu.
    val names: string list

    /// An engine by name: "cpu" the managed engine; "gpu" CUDA (Error when there is no CUDA device); "auto" CUDA when a
    /// device is found, else the managed engine; "ilgpu-cpu" the GPU kernels on ILGPU's CPU accelerator.
    val select: name: string -> Result<IEngine, string>

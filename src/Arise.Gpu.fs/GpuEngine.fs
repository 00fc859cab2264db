namespace Arise.Gpu

open System
open System.Collections.Concurrent
open ILGPU
open ILGPU.Algorithms
open ILGPU.Runtime
open ILGPU.Runtime.CPU
open ILGPU.Runtime.Cuda
open Arise.Model
open Arise.Gpu.Kernels

/// Where the GPU engine runs its kernels.
[<RequireQualifiedAccess>]
type Device =
    | Cuda
    | CpuAccelerator

/// The matrix-product kernel of a GPU engine.
[<RequireQualifiedAccess>]
type Product =
    | Tiled of group: int
    | Blocked

/// Settings of a GPU engine.
type GpuSettings =
    { Device: Device
      Product: Product
      BatchRows: int }

/// Device buffers of one network at one batch capacity.
type internal Buffers(accelerator: Accelerator, net: Network, rows: int, inputs: int) =
    let layers = net.Layers
    let classes = net.Architecture.Classes
    member val Weights = layers |> Array.map (fun l -> accelerator.Allocate1D<float32>(l.Weights))
    member val Bias = layers |> Array.map (fun l -> accelerator.Allocate1D<float32>(l.Bias))
    member val X = accelerator.Allocate1D<float32>(int64 (max 1 inputs) * int64 net.Architecture.Inputs)

    member val Acts =
        layers
        |> Array.map (fun l -> accelerator.Allocate1D<float32>(int64 rows * int64 l.Inputs))

    member val Logits = accelerator.Allocate1D<float32>(int64 rows * int64 classes)
    member val P = accelerator.Allocate1D<float32>(int64 rows * int64 classes)
    member val PlnP = accelerator.Allocate1D<float32>(int64 rows)
    member val Keys = accelerator.Allocate1D<uint32>(int64 rows)
    member val Sums = accelerator.Allocate1D<float>(int64 (max 1 inputs) * int64 (classes + 1))
    member _.Network = net
    member _.Rows = rows
    member _.Inputs = inputs

    member this.Dispose() =
        for b in this.Weights do
            b.Dispose()

        for b in this.Bias do
            b.Dispose()

        for b in this.Acts do
            b.Dispose()

        for b in [ this.X; this.Logits; this.P; this.PlnP ] do
            b.Dispose()

        this.Keys.Dispose()
        this.Sums.Dispose()

/// The ILGPU engine on one accelerator.
type internal IlgpuEngine(settings: GpuSettings, context: Context, accelerator: Accelerator) =
    let gate = obj ()

    let tiled =
        lazy (accelerator.LoadStreamKernel<Floats, Floats, Floats, Floats, Keys, Layer>(gemmTiled))

    let blocked =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index2D, Floats, Floats, Floats, Floats, Keys, Layer>(gemmBlocked))

    let keysKernel =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index1D, Keys, int, int, int>(passKeys))

    let dropKernel =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index1D, Floats, Floats, Keys, int, int, uint32, float32>(dropInput))

    let softmaxKernel =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index1D, Floats, Floats, Floats, int>(softmaxRow))

    let accumulateKernel =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index1D, Floats, Floats, Doubles, int, int>(accumulate))

    let mutable buffers: Buffers option = None

    /// Buffers for this network holding at least `rows` rows and `inputs` inputs (weights uploaded once per network).
    let buffersFor (net: Network) rows inputs =
        match buffers with
        | Some b when obj.ReferenceEquals(b.Network, net) && b.Rows >= rows && b.Inputs >= inputs -> b
        | old ->
            old |> Option.iter (fun b -> b.Dispose())
            let b = Buffers(accelerator, net, rows, inputs)
            buffers <- Some b
            b

    let product (b: Buffers) (i: int) (out: Floats) (shape: Layer) =
        let input = b.Acts.[i].View
        let w = b.Weights.[i].View
        let bias = b.Bias.[i].View
        let keys = b.Keys.View

        match settings.Product with
        | Product.Tiled g ->
            let edge = 4 * g
            let grid = Index2D((shape.Cols + edge - 1) / edge, (shape.Rows + edge - 1) / edge)
            tiled.Value.Invoke(KernelConfig(grid, Index2D(g, g)), input, w, bias, out, keys, shape)
        | Product.Blocked -> blocked.Value.Invoke(Index2D((shape.Cols + 3) / 4, (shape.Rows + 3) / 4), input, w, bias, out, keys, shape)

    let monteCarlo (seed: int) (samples: int) (net: Network) (x: float32[]) (count: int) =
        if samples < 1 then
            invalidArg "samples" "T must be ≥ 1"

        let a = net.Architecture
        let layers = net.Layers
        let inputs, classes = a.Inputs, a.Classes
        let perBatch = max 1 (settings.BatchRows / samples)
        let b = buffersFor net (min count perBatch * samples) (min count perBatch)
        let rate = a.DropoutRate
        let threshold = if rate > 0.0 then Dropout.threshold rate else 0u
        let keep = if rate > 0.0 then float32 (1.0 / (1.0 - rate)) else 1.0f
        let width = classes + 1
        let sums = Array.zeroCreate<float>(b.Inputs * width)
        let results = Array.zeroCreate count
        let mutable first = 0

        while first < count do
            let n = min perBatch (count - first)
            let rows = n * samples
            b.X.View.SubView(0L, int64 (n * inputs)).CopyFromCPU(&x.[first * inputs], int64 (n * inputs))
            keysKernel.Value.Invoke(Index1D rows, b.Keys.View, seed, first, samples)
            dropKernel.Value.Invoke(Index1D(rows * inputs), b.X.View, b.Acts.[0].View, b.Keys.View, inputs, samples, threshold, keep)
            let mutable offset = inputs

            for i in 0 .. layers.Length - 1 do
                let l = layers.[i]
                let last = i = layers.Length - 1

                let shape =
                    { Rows = rows
                      Cols = l.Outputs
                      Depth = l.Inputs
                      Activate = (if last then 0 else 1)
                      Threshold = threshold
                      Keep = keep
                      Offset = offset }

                product b i (if last then b.Logits.View else b.Acts.[i + 1].View) shape
                offset <- offset + l.Outputs

            softmaxKernel.Value.Invoke(Index1D rows, b.Logits.View, b.P.View, b.PlnP.View, classes)
            accumulateKernel.Value.Invoke(Index1D(n * width), b.P.View, b.PlnP.View, b.Sums.View, classes, samples)
            accelerator.Synchronize()
            b.Sums.View.SubView(0L, int64 (n * width)).CopyToCPU(&sums.[0], int64 (n * width))

            for i in 0 .. n - 1 do
                let mean = Array.init classes (fun c -> sums.[i * width + c] / float samples)
                let h = Prediction.entropy mean

                results.[first + i] <-
                    { Probabilities = mean
                      MutualInformation = max 0.0 (h - sums.[i * width + classes] / float samples)
                      Entropy = h }

            first <- first + n

        results

    member _.Settings = settings

    interface IEngine with
        member _.Name =
            let product =
                match settings.Product with
                | Product.Tiled g -> sprintf "tiled %d×%d" g g
                | Product.Blocked -> "blocked"

            sprintf "ILGPU on %s (%s)" accelerator.Name product

        member _.MonteCarlo(_, seed, samples, network, x, count) =
            lock gate (fun () -> monteCarlo seed samples network x count)

        member _.Train(options, set, trainRows, validRows, selection, report, cancel) =
            Engines.managed.Train(options, set, trainRows, validRows, selection, report, cancel)

    interface IDisposable with
        member _.Dispose() =
            buffers |> Option.iter (fun b -> b.Dispose())
            accelerator.Dispose()
            context.Dispose()

/// Choosing and making engines.
module Gpu =
    let private made =
        ConcurrentDictionary<GpuSettings, Lazy<Result<IEngine, string>>>()

    let private cudaContext () =
        Context.Create(fun b -> b.Cuda().EnableAlgorithms() |> ignore)

    let cudaDevices () =
        try
            use context = cudaContext ()

            [ for d in context.Devices do
                  if d.AcceleratorType = AcceleratorType.Cuda then
                      sprintf "%s (%.0f GiB)" d.Name (float d.MemorySize / 1073741824.0) ]
        with _ ->
            []

    let cudaPeak () =
        try
            use context = cudaContext ()

            context.Devices
            |> Seq.tryPick (fun d ->
                match d with
                | :? CudaDevice as c when c.Architecture.HasValue ->
                    let a = c.Architecture.Value

                    let cores =
                        match a.Major, a.Minor with
                        | 3, _ -> 192
                        | 6, 0
                        | 7, _
                        | 8, 0 -> 64
                        | _ -> 128

                    Some(c.Name, float c.NumMultiprocessors * float cores * 2.0 * float c.ClockRate / 1e6)
                | _ -> None)
        with _ ->
            None

    let defaults (device: Device) =
        match device with
        | Device.Cuda ->
            { Device = device
              Product = Product.Tiled 16
              BatchRows = 131072 }
        | Device.CpuAccelerator ->
            { Device = device
              Product = Product.Blocked
              BatchRows = 4096 }

    let private create (settings: GpuSettings) : Result<IEngine, string> =
        match settings.Product with
        | Product.Tiled g when g < 1 || g > MaxGroup -> Error(sprintf "the tiled product's group edge must be 1–%d (got %d)" MaxGroup g)
        | _ when settings.BatchRows < 1 -> Error(sprintf "batch rows must be ≥ 1 (got %d)" settings.BatchRows)
        | _ ->
            try
                match settings.Device with
                | Device.Cuda ->
                    let context = cudaContext ()

                    if
                        not (
                            context.Devices
                            |> Seq.exists (fun d -> d.AcceleratorType = AcceleratorType.Cuda)
                        )
                    then
                        context.Dispose()
                        Error "no CUDA device found (an NVIDIA GPU and its driver are needed; the CUDA toolkit is not)"
                    else
                        let accelerator = context.CreateCudaAccelerator 0
                        Ok(new IlgpuEngine(settings, context, accelerator) :> IEngine)
                | Device.CpuAccelerator ->
                    let group =
                        match settings.Product with
                        | Product.Tiled g -> g
                        | Product.Blocked -> 4
                    // one multiprocessor per core; a group of G × G threads as G warps of G
                    let device = CPUDevice(group, group, max 1 Environment.ProcessorCount)
                    let context = Context.Create(fun b -> b.CPU(device).EnableAlgorithms() |> ignore)
                    let accelerator = context.CreateCPUAccelerator 0
                    Ok(new IlgpuEngine(settings, context, accelerator) :> IEngine)
            with e ->
                Error(sprintf "the GPU engine could not start: %s" e.Message)

    let engine (settings: GpuSettings) =
        made.GetOrAdd(settings, (fun s -> lazy (create s))).Value

    let names = [ "auto"; "cpu"; "gpu"; "ilgpu-cpu" ]

    let select (name: string) =
        match (if isNull name then "" else name.Trim().ToLowerInvariant()) with
        | "cpu" -> Ok Engines.managed
        | "gpu" -> engine (defaults Device.Cuda)
        | "ilgpu-cpu" -> engine (defaults Device.CpuAccelerator)
        | "auto" ->
            if List.isEmpty (cudaDevices ()) then
                Ok Engines.managed
            else
                match engine (defaults Device.Cuda) with
                | Ok e -> Ok e
                | Error _ -> Ok Engines.managed
        | other -> Error(sprintf "unknown engine '%s': use %s" other (String.concat ", " names))

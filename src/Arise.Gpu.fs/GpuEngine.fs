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
    | Wide of group: int
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

    let wide =
        lazy (accelerator.LoadStreamKernel<Floats, Floats, Floats, Floats, Keys, Layer>(gemmWide))

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

    /// Buffers for this network's architecture holding at least `rows` rows and `inputs` inputs, with its current
    /// weights (uploaded on every call: a network's arrays may have changed in place since the last one, and the
    /// copy is small beside the passes).
    let buffersFor (net: Network) rows inputs =
        let b =
            match buffers with
            | Some b when
                b.Network.Architecture = net.Architecture
                && b.Rows >= rows
                && b.Inputs >= inputs
                ->
                b
            | old ->
                old |> Option.iter (fun b -> b.Dispose())
                let b = Buffers(accelerator, net, rows, inputs)
                buffers <- Some b
                b

        net.Layers
        |> Array.iteri (fun i l ->
            b.Weights.[i].CopyFromCPU l.Weights
            b.Bias.[i].CopyFromCPU l.Bias)

        b

    let strided =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index2D, Floats, Floats, Floats, Strided>(gemmStrided))

    let lossKernel =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index1D, Floats, Ints, Floats, Floats, Ints, int, int>(lossRow))

    let columnSumsKernel =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index1D, Floats, Floats, int, int>(columnSums))

    let reluBackKernel =
        lazy (accelerator.LoadAutoGroupedStreamKernel<Index1D, Floats, Floats, Floats, float32>(reluBack))

    let adamKernel =
        lazy
            (accelerator.LoadAutoGroupedStreamKernel<Index1D, Floats, Floats, Floats, Floats, float32, float32, float32, float32>(
                adamUpdate
            ))

    /// out = input · w + bias, with the epilogue of `shape`, on the engine's product kernel.
    let productOf (input: Floats) (w: Floats) (bias: Floats) (keys: Keys) (out: Floats) (shape: Layer) =
        match settings.Product with
        | Product.Tiled g ->
            let edge = 4 * g
            let grid = Index2D((shape.Cols + edge - 1) / edge, (shape.Rows + edge - 1) / edge)
            tiled.Value.Invoke(KernelConfig(grid, Index2D(g, g)), input, w, bias, out, keys, shape)
        | Product.Wide g ->
            let edge = 8 * g
            let grid = Index2D((shape.Cols + edge - 1) / edge, (shape.Rows + edge - 1) / edge)
            wide.Value.Invoke(KernelConfig(grid, Index2D(g, g)), input, w, bias, out, keys, shape)
        | Product.Blocked -> blocked.Value.Invoke(Index2D((shape.Cols + 3) / 4, (shape.Rows + 3) / 4), input, w, bias, out, keys, shape)


    /// The shape of layer i's forward product over `rows` rows: the next layer's input (ReLU and dropout, its elements
    /// numbered from `offset`), or the logits for the last layer.
    let layerShape (net: Network) (i: int) (rows: int) (offset: int) =
        let l = net.Layers.[i]
        let rate = net.Architecture.DropoutRate

        { Rows = rows
          Cols = l.Outputs
          Depth = l.Inputs
          Activate = (if i = net.Layers.Length - 1 then 0 else 1)
          Threshold = Dropout.threshold rate
          Keep = (if rate > 0.0 then float32 (1.0 / (1.0 - rate)) else 1.0f)
          Offset = offset }

    /// The forward pass of `rows` rows (pass r mod T over input first + r / T of x): the rows' keys, the input's
    /// dropout, then each layer's product with the next layer's ReLU and dropout, the last into `logits`.
    let forward
        (net: Network)
        (x: Floats)
        (acts: MemoryBuffer1D<float32, Stride1D.Dense>[])
        (w: MemoryBuffer1D<float32, Stride1D.Dense>[])
        (bias: MemoryBuffer1D<float32, Stride1D.Dense>[])
        (keys: Keys)
        (logits: Floats)
        (seed: int)
        (first: int)
        (samples: int)
        (rows: int)
        =
        let layers = net.Layers
        let inputs = net.Architecture.Inputs
        let input = layerShape net 0 rows 0
        keysKernel.Value.Invoke(Index1D rows, keys, seed, first, samples)
        dropKernel.Value.Invoke(Index1D(rows * inputs), x, acts.[0].View, keys, inputs, samples, input.Threshold, input.Keep)
        let mutable offset = inputs

        for i in 0 .. layers.Length - 1 do
            let out = if i = layers.Length - 1 then logits else acts.[i + 1].View
            productOf acts.[i].View w.[i].View bias.[i].View keys out (layerShape net i rows offset)
            offset <- offset + layers.[i].Outputs

    /// Training steps on the device: forward with counter-based dropout masks (key of row r of step t: passKey(seed,
    /// t·batch + r, 0)), softmax cross-entropy, backpropagation and Adam as Network.gradients/adamStep do them.
    let stepper (options: TrainingOptions) (net: Network) : IStepper =
        let layers = net.Layers
        let bs = options.BatchSize
        let inputs = net.Architecture.Inputs
        let classes = net.Architecture.Classes

        let alloc (n: int) =
            accelerator.Allocate1D<float32>(int64 (max 1 n))

        let zeros (n: int) =
            let b = alloc n
            b.MemSetToZero()
            b

        let w = layers |> Array.map (fun l -> accelerator.Allocate1D<float32>(l.Weights))
        let bias = layers |> Array.map (fun l -> accelerator.Allocate1D<float32>(l.Bias))
        let gw = layers |> Array.map (fun l -> alloc l.Weights.Length)
        let gb = layers |> Array.map (fun l -> alloc l.Bias.Length)
        let mw = layers |> Array.map (fun l -> zeros l.Weights.Length)
        let vw = layers |> Array.map (fun l -> zeros l.Weights.Length)
        let mb = layers |> Array.map (fun l -> zeros l.Bias.Length)
        let vb = layers |> Array.map (fun l -> zeros l.Bias.Length)
        let acts = layers |> Array.map (fun l -> alloc (bs * l.Inputs))
        let delta = layers |> Array.map (fun l -> alloc (bs * l.Outputs))
        let da = alloc (bs * (layers |> Array.map (fun l -> l.Inputs) |> Array.max))
        let xb = alloc (bs * inputs)
        let logits = alloc (bs * classes)
        let yb = accelerator.Allocate1D<int>(int64 bs)
        let keys = accelerator.Allocate1D<uint32>(int64 bs)
        let truth = alloc bs
        let correct = accelerator.Allocate1D<int>(int64 bs)
        let truthHost = Array.zeroCreate<float32> bs
        let correctHost = Array.zeroCreate<int> bs
        let adam = Network.adam options.LearningRate net
        let mutable step = 0

        let all: IDisposable list =
            [ yield! Seq.cast w
              yield! Seq.cast bias
              yield! Seq.cast gw
              yield! Seq.cast gb
              yield! Seq.cast mw
              yield! Seq.cast vw
              yield! Seq.cast mb
              yield! Seq.cast vb
              yield! Seq.cast acts
              yield! Seq.cast delta
              yield! [ da; xb; logits; truth ] |> Seq.cast
              yb
              keys
              correct ]

        let take (rows: int) =
            forward net xb.View acts w bias keys.View logits.View options.Seed (step * bs) 1 rows
            let last = layers.Length - 1
            lossKernel.Value.Invoke(Index1D rows, logits.View, yb.View, delta.[last].View, truth.View, correct.View, classes, rows)
            // backward: dW = actsᵀ · delta, db = column sums, d(input) = delta · Wᵀ through dropout and ReLU
            for i in last .. -1 .. 0 do
                let l = layers.[i]

                let dw =
                    { M = l.Inputs
                      N = l.Outputs
                      K = rows
                      Sai = 1
                      Sap = l.Inputs
                      Sbp = l.Outputs
                      Sbj = 1 }

                strided.Value.Invoke(Index2D(l.Outputs, l.Inputs), acts.[i].View, delta.[i].View, gw.[i].View, dw)
                columnSumsKernel.Value.Invoke(Index1D l.Outputs, delta.[i].View, gb.[i].View, rows, l.Outputs)

                if i > 0 then
                    let dx =
                        { M = rows
                          N = l.Inputs
                          K = l.Outputs
                          Sai = l.Outputs
                          Sap = 1
                          Sbp = 1
                          Sbj = l.Outputs }

                    strided.Value.Invoke(Index2D(l.Inputs, rows), delta.[i].View, w.[i].View, da.View, dx)
                    let keep = (layerShape net (i - 1) rows 0).Keep
                    reluBackKernel.Value.Invoke(Index1D(rows * l.Inputs), da.View, acts.[i].View, delta.[i - 1].View, keep)

            // Adam, bias-corrected as Network.adamStep
            adam.Step <- adam.Step + 1
            let t = float adam.Step

            let lr =
                float32 (adam.LearningRate * sqrt (1.0 - adam.Beta2 ** t) / (1.0 - adam.Beta1 ** t))

            let b1, b2, eps = float32 adam.Beta1, float32 adam.Beta2, float32 adam.Epsilon

            for i in 0..last do
                adamKernel.Value.Invoke(
                    Index1D layers.[i].Weights.Length,
                    w.[i].View,
                    gw.[i].View,
                    mw.[i].View,
                    vw.[i].View,
                    b1,
                    b2,
                    lr,
                    eps
                )

                adamKernel.Value.Invoke(
                    Index1D layers.[i].Bias.Length,
                    bias.[i].View,
                    gb.[i].View,
                    mb.[i].View,
                    vb.[i].View,
                    b1,
                    b2,
                    lr,
                    eps
                )

            step <- step + 1

        { new IStepper with
            member _.Step(x, y, rows) =
                lock gate (fun () ->
                    xb.View.SubView(0L, int64 (rows * inputs)).CopyFromCPU(&x.[0], int64 (rows * inputs))
                    yb.View.SubView(0L, int64 rows).CopyFromCPU(&y.[0], int64 rows)
                    take rows
                    accelerator.Synchronize()
                    truth.View.SubView(0L, int64 rows).CopyToCPU(&truthHost.[0], int64 rows)
                    correct.View.SubView(0L, int64 rows).CopyToCPU(&correctHost.[0], int64 rows)
                    let mutable loss = 0.0

                    for r in 0 .. rows - 1 do
                        loss <- loss - log (max (float truthHost.[r]) 1e-30)

                    loss, Array.sum correctHost.[.. rows - 1])

            member _.Sync() =
                lock gate (fun () ->
                    accelerator.Synchronize()

                    for i in 0 .. layers.Length - 1 do
                        w.[i].CopyToCPU(layers.[i].Weights)
                        bias.[i].CopyToCPU(layers.[i].Bias))
          interface IDisposable with
              member _.Dispose() =
                  for b in all do
                      b.Dispose() }

    let monteCarlo (seed: int) (samples: int) (net: Network) (x: float32[]) (count: int) =
        if samples < 1 then
            invalidArg "samples" "T must be ≥ 1"

        let a = net.Architecture
        let inputs, classes = a.Inputs, a.Classes
        let perBatch = max 1 (settings.BatchRows / samples)
        let b = buffersFor net (min count perBatch * samples) (min count perBatch)
        let width = classes + 1
        let sums = Array.zeroCreate<float>(b.Inputs * width)
        let results = Array.zeroCreate count
        let mutable first = 0

        while first < count do
            let n = min perBatch (count - first)
            let rows = n * samples
            b.X.View.SubView(0L, int64 (n * inputs)).CopyFromCPU(&x.[first * inputs], int64 (n * inputs))
            forward net b.X.View b.Acts b.Weights b.Bias b.Keys.View b.Logits.View seed first samples rows
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

    /// Pre-activations of every layer (dropout off), in batches of BatchRows rows: each layer's product twice, once
    /// as it is (copied out) and once through ReLU into the next layer's input.
    let hidden (net: Network) (x: float32[]) (count: int) =
        let layers = net.Layers
        let inputs = net.Architecture.Inputs
        let perBatch = max 1 (min count settings.BatchRows)
        let b = buffersFor net perBatch perBatch

        let outs =
            layers |> Array.map (fun l -> Array.zeroCreate<float32>(count * l.Outputs))

        let mutable first = 0

        while first < count do
            let n = min perBatch (count - first)
            b.Acts.[0].View.SubView(0L, int64 (n * inputs)).CopyFromCPU(&x.[first * inputs], int64 (n * inputs))
            keysKernel.Value.Invoke(Index1D n, b.Keys.View, 0, first, 1)

            for i in 0 .. layers.Length - 1 do
                let w = layers.[i].Outputs
                let shape = layerShape net i n 0

                let out =
                    if i = layers.Length - 1 then
                        b.Logits.View
                    else
                        b.Acts.[i + 1].View

                productOf b.Acts.[i].View b.Weights.[i].View b.Bias.[i].View b.Keys.View out { shape with Activate = 0 }
                accelerator.Synchronize()
                out.SubView(0L, int64 (n * w)).CopyToCPU(&outs.[i].[first * w], int64 (n * w))

                if i < layers.Length - 1 then
                    // the next layer's input: ReLU, nothing dropped, nothing scaled
                    productOf
                        b.Acts.[i].View
                        b.Weights.[i].View
                        b.Bias.[i].View
                        b.Keys.View
                        out
                        { shape with
                            Activate = 1
                            Threshold = 0u
                            Keep = 1.0f }

            first <- first + n

        outs

    member _.Settings = settings

    /// A training stepper on this engine's device (tests compare it with the managed engine's).
    member _.Stepper(options, net) = stepper options net

    interface IEngine with
        member _.Name =
            let product =
                match settings.Product with
                | Product.Tiled g -> sprintf "tiled %d×%d" g g
                | Product.Wide g -> sprintf "wide tiles %d×%d" g g
                | Product.Blocked -> "blocked"

            sprintf "ILGPU on %s (%s)" accelerator.Name product

        member _.MonteCarlo(_, seed, samples, network, x, count) =
            lock gate (fun () -> monteCarlo seed samples network x count)

        member _.Hidden(network, x, count) =
            lock gate (fun () -> hidden network x count)

        member _.Train(options, set, trainRows, validRows, selection, report, cancel) =
            Training.trainSelectingWith stepper options set trainRows validRows selection report cancel

    interface IDescriptorEngine with
        member _.DescribeMany(calc, options, structures) =
            let cuda = settings.Device = Device.Cuda
            SoapHost.Host.describeMany cuda (SoapHost.Host.defaultPairs cuda) calc options structures

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

                    // ILGPU gives the clock in MHz (1980 on an H200): SMs × FP32 lanes × 2 FLOP × GHz
                    Some(c.Name, float c.NumMultiprocessors * float cores * 2.0 * float c.ClockRate / 1e3)
                | _ -> None)
        with _ ->
            None

    let defaults (device: Device) =
        match device with
        | Device.Cuda ->
            { Device = device
              Product = Product.Wide 8
              BatchRows = 131072 }
        | Device.CpuAccelerator ->
            { Device = device
              Product = Product.Blocked
              BatchRows = 4096 }

    let private create (settings: GpuSettings) : Result<IEngine, string> =
        match settings.Product with
        | Product.Tiled g
        | Product.Wide g when g < 1 || g > MaxGroup -> Error(sprintf "the tiled product's group edge must be 1–%d (got %d)" MaxGroup g)
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
                        | Product.Tiled g
                        | Product.Wide g -> g
                        | Product.Blocked -> 4
                    // one multiprocessor per core; a group of G × G threads as G warps of G
                    let device = CPUDevice(group, group, max 1 Environment.ProcessorCount)
                    let context = Context.Create(fun b -> b.CPU(device).EnableAlgorithms() |> ignore)
                    let accelerator = context.CreateCPUAccelerator 0
                    Ok(new IlgpuEngine(settings, context, accelerator) :> IEngine)
            with e ->
                Error(sprintf "the GPU engine could not start: %s" (failureMessage e))

    let engine (settings: GpuSettings) =
        made.GetOrAdd(settings, (fun s -> lazy (create s))).Value

    let stepper (engine: IEngine) (options: TrainingOptions) (net: Network) =
        match engine with
        | :? IlgpuEngine as e -> Some(e.Stepper(options, net))
        | _ -> None

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

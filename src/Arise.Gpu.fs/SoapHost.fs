/// The host side of the SOAP kernels (GpuSoap is the public face): neighbour lists and d_NN on the CPU, the pairs'
/// terms and each job's sums on the device (CUDA or ILGPU's CPU accelerator), power spectra and means on the CPU.
module internal Arise.Gpu.SoapHost

open System
open System.Collections.Concurrent
open ILGPU
open ILGPU.Runtime
open ILGPU.Runtime.CPU
open ILGPU.Runtime.Cuda
open Arise.Structure
open Arise.Soap
open Arise.Gpu.Kernels
open Arise.Gpu.SoapKernels

/// One job of the sums: the pairs of one species seen from another in one structure.
type internal Job =
    { Structure: int
      Pair: int
      Centres: int
      Half: bool
      Pairs: float[] }

/// The SOAP kernels loaded on one accelerator.
type internal SoapDevice(context: Context, accelerator: Accelerator) =
    let gate = obj ()

    let pairKernel =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, Doubles, Doubles, Doubles, Doubles, Doubles, int, SoapShape>(pairTerms)

    let sumKernel =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, Doubles, Doubles, Ints, Ints, Doubles, SoapShape>(jobSums)

    let chunkKernel =
        accelerator.LoadStreamKernel<Doubles, Ints, Ints, Doubles, Doubles, Doubles, int, SoapShape>(chunkSums)

    let totalKernel =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, Doubles, Ints, Ints, Doubles, SoapShape>(chunkTotals)

    /// Pairs a group of the fused kernel sums: enough groups to fill the device, few partial sums to add.
    static member ChunkPairs = 2048

    /// The expansion sums A (N·(L+1)² per job) of a batch of jobs.
    member _.Sums(calc: SoapCalculator, jobs: Job[]) =
        lock gate (fun () ->
            let p = calc.Parameters
            let lm, n, l1 = calc.LmCount, p.NMax, p.LMax + 1
            let t = calc.Harmonics
            let centres = calc.Basis.Centres

            let shape =
                { LMax = p.LMax
                  NMax = n
                  Alpha = calc.Basis.Alpha
                  Delta = (if centres.Length > 1 then centres.[1] else 1.0)
                  Reach = sqrt (40.0 / calc.Basis.Alpha) }

            let pairs = jobs |> Array.collect (fun j -> j.Pairs)
            let count = pairs.Length / 4
            let first = Array.scan (fun acc (j: Job) -> acc + j.Pairs.Length / 4) 0 jobs
            use dPairs = accelerator.Allocate1D<float>(max 4 pairs.Length)
            use dTables = accelerator.Allocate1D<float>(Array.concat [ t.Norm; t.RecA; t.RecB ])
            use dCentres = accelerator.Allocate1D<float>(centres)

            use dHalf =
                accelerator.Allocate1D<int>(jobs |> Array.map (fun j -> if j.Half then 1 else 0))

            use dAcc = accelerator.Allocate1D<float>(int64 jobs.Length * int64 (n * lm))

            if pairs.Length > 0 then
                dPairs.View.SubView(0L, int64 pairs.Length).CopyFromCPU(&pairs.[0], int64 pairs.Length)

            if fusedFits shape then
                // each job's pairs in chunks of ChunkPairs from its own start: the sums do not depend on the batch
                let chunkOf =
                    jobs
                    |> Array.mapi (fun j _ ->
                        let pieces =
                            (first.[j + 1] - first.[j] + SoapDevice.ChunkPairs - 1) / SoapDevice.ChunkPairs

                        Array.init pieces (fun k ->
                            first.[j] + k * SoapDevice.ChunkPairs, min first.[j + 1] (first.[j] + (k + 1) * SoapDevice.ChunkPairs)))

                let chunks = Array.concat chunkOf
                let jobChunk = Array.scan (fun acc (c: _[]) -> acc + c.Length) 0 chunkOf
                use dFirst = accelerator.Allocate1D<int>(max 1 chunks.Length)
                use dLast = accelerator.Allocate1D<int>(max 1 chunks.Length)
                use dJobChunk = accelerator.Allocate1D<int>(jobChunk)

                use dPartial =
                    accelerator.Allocate1D<float>(int64 (max 1 chunks.Length) * int64 (n * lm))

                if chunks.Length > 0 then
                    dFirst.CopyFromCPU(Array.map fst chunks)
                    dLast.CopyFromCPU(Array.map snd chunks)
                    // a thread an output (or a tile task), rounded up to whole warps, as far as the device allows
                    let wanted = max (n * lm) (PairTile * n + PairTile)
                    let warp = accelerator.WarpSize

                    let group =
                        min accelerator.MaxNumThreadsPerGroup ((wanted + warp - 1) / warp * warp)

                    chunkKernel.Invoke(
                        KernelConfig(Index1D chunks.Length, Index1D group),
                        dPairs.View,
                        dFirst.View,
                        dLast.View,
                        dPartial.View,
                        dTables.View,
                        dCentres.View,
                        t.Norm.Length,
                        shape
                    )

                totalKernel.Invoke(Index1D(jobs.Length * n * lm), dPartial.View, dJobChunk.View, dHalf.View, dAcc.View, shape)
                // before this branch's buffers go
                accelerator.Synchronize()
            else
                use dY = accelerator.Allocate1D<float>(int64 (max 1 count) * int64 lm)
                use dG = accelerator.Allocate1D<float>(int64 (max 1 count) * int64 (n * l1))
                use dFirst = accelerator.Allocate1D<int>(first)

                if pairs.Length > 0 then
                    pairKernel.Invoke(Index1D count, dPairs.View, dY.View, dG.View, dTables.View, dCentres.View, t.Norm.Length, shape)

                sumKernel.Invoke(Index1D(jobs.Length * n * lm), dY.View, dG.View, dFirst.View, dHalf.View, dAcc.View, shape)
                accelerator.Synchronize()

            dAcc.GetAsArray1D())

    interface IDisposable with
        member _.Dispose() =
            accelerator.Dispose()
            context.Dispose()

module Host =
    /// Seconds spent in describeMany's parts since the last reset (a profiling aid for the benchmarks): neighbour lists
    /// and d_NN on the host, the device's part (copies included), power spectra and means on the host.
    type Phases =
        { mutable Lists: float
          mutable Device: float
          mutable Spectra: float }

    let phases =
        { Lists = 0.0
          Device = 0.0
          Spectra = 0.0 }

    let resetPhases () =
        phases.Lists <- 0.0
        phases.Device <- 0.0
        phases.Spectra <- 0.0

    let private devices = ConcurrentDictionary<bool, Lazy<Result<SoapDevice, string>>>()

    /// The device: CUDA when `cuda`, else ILGPU's CPU accelerator.
    let private open' (cuda: bool) =
        try
            match cuda with
            | true ->
                let context = Context.Create(fun b -> b.Cuda().EnableAlgorithms() |> ignore)

                if
                    context.Devices
                    |> Seq.exists (fun d -> d.AcceleratorType = AcceleratorType.Cuda)
                then
                    Ok(new SoapDevice(context, context.CreateCudaAccelerator 0))
                else
                    context.Dispose()
                    Error "no CUDA device found (an NVIDIA GPU and its driver are needed; the CUDA toolkit is not)"
            | false ->
                let cpu = CPUDevice(4, 4, max 1 Environment.ProcessorCount)
                let context = Context.Create(fun b -> b.CPU(cpu).EnableAlgorithms() |> ignore)
                Ok(new SoapDevice(context, context.CreateCPUAccelerator 0))
        with e ->
            Error(sprintf "the GPU descriptor could not start: %s" e.Message)

    /// The default batch: 8 million pairs on CUDA (7 GB), 200,000 on the CPU accelerator.
    let defaultPairs (cuda: bool) = if cuda then 8_000_000 else 200_000

    /// The jobs of one structure (one per species pair with a d_NN), or the reason it has none.
    let private jobsOf (calc: SoapCalculator) (options: DescriptorOptions) (index: int) (s: Structure) =
        let cells = CellList.build s

        AriseDescriptor.pairDnnsWith cells options.Dnn s
        |> Result.map (fun dnns ->
            let buffer = NeighbourBuffer()

            let jobs =
                dnns
                |> List.indexed
                |> List.choose (fun (k, ((za, zb), d)) ->
                    d
                    |> Option.map (fun d ->
                        let scale = 1.0 / (options.ExtrinsicScale * d)
                        let half = za = zb
                        let centres = Soap.centresOf s (Some za)
                        let pairs = ResizeArray<float>(4 * 64 * max 1 centres.Length)

                        for i in centres do
                            Soap.neighboursOf calc cells s buffer scale i half (Some zb) (fun dx dy dz r ->
                                let w = Soap.weight calc half r

                                if w > 0.0 then
                                    pairs.Add dx
                                    pairs.Add dy
                                    pairs.Add dz
                                    pairs.Add w)

                        { Structure = index
                          Pair = k
                          Centres = centres.Length
                          Half = half
                          Pairs = pairs.ToArray() }))

            dnns, jobs)

    /// The mean over species pairs of the pairs' power spectra (a pair without d_NN: the zero vector).
    let private descriptor (calc: SoapCalculator) dnns (spectra: Map<int, float[]>) =
        let dim = SoapParameters.dimension calc.Parameters

        dnns
        |> List.mapi (fun k _ -> spectra |> Map.tryFind k |> Option.defaultValue (Array.zeroCreate dim))
        |> AriseDescriptor.ofPairs dim dnns

    /// Descriptors of many structures (GpuSoap.describeMany).
    let describeMany (cuda: bool) (maxPairs: int) (calc: SoapCalculator) (options: DescriptorOptions) (structures: Structure[]) =
        match devices.GetOrAdd(cuda, (fun d -> lazy (open' d))).Value with
        | Error e -> Error e
        | Ok dev ->
            // neighbour lists and d_NN on the host, a structure a core
            let clock = Diagnostics.Stopwatch.StartNew()
            let prepared = structures |> Array.Parallel.mapi (jobsOf calc options)
            let size = calc.Parameters.NMax * calc.LmCount

            let spectra =
                Array.init structures.Length (fun _ -> Collections.Generic.Dictionary<int, float[]>())

            let jobs =
                prepared
                |> Array.collect (function
                    | Ok(_, jobs) -> Array.ofList jobs
                    | Error _ -> [||])

            phases.Lists <- phases.Lists + clock.Elapsed.TotalSeconds

            // batches of at most maxPairs pairs (a job larger than that alone)
            let mutable start = 0

            while start < jobs.Length do
                let mutable stop = start + 1
                let mutable pairs = jobs.[start].Pairs.Length / 4

                while stop < jobs.Length && pairs + jobs.[stop].Pairs.Length / 4 <= maxPairs do
                    pairs <- pairs + jobs.[stop].Pairs.Length / 4
                    stop <- stop + 1

                let batch = jobs.[start .. stop - 1]
                clock.Restart()
                let acc = dev.Sums(calc, batch)
                phases.Device <- phases.Device + clock.Elapsed.TotalSeconds
                clock.Restart()

                batch
                |> Array.iteri (fun b job ->
                    spectra.[job.Structure].[job.Pair] <- Soap.powerSpectrum calc acc.[b * size .. (b + 1) * size - 1] job.Centres)

                phases.Spectra <- phases.Spectra + clock.Elapsed.TotalSeconds
                start <- stop

            Ok(
                prepared
                |> Array.mapi (fun i r ->
                    r
                    |> Result.map (fun (dnns, _) ->
                        descriptor calc dnns (spectra.[i] |> Seq.map (fun kv -> kv.Key, kv.Value) |> Map.ofSeq)))
            )

/// The host side of the SOAP kernels (GpuSoap is the public face): d_NN on the CPU, neighbour lists on the device (finite
/// structures up to DeviceListAtoms) or the CPU, the pairs' terms and each job's sums on the device (CUDA or ILGPU's CPU
/// accelerator), power spectra and means on the CPU.
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

/// One job of the sums: the pairs of one species seen from another in one structure, listed on the host (Pairs) or
/// to be found on the device (OnDevice: the centres' atoms, the neighbours' species and the scale).
type internal Job =
    { Structure: int
      Pair: int
      Centres: int
      Half: bool
      Pairs: float[]
      OnDevice: bool
      CentreAtoms: int[]
      Zb: int
      Scale: float }

/// Structures whose neighbour lists the device finds: not periodic, with at most this many atoms (every atom of a
/// structure is tried against every centre).
[<Literal>]
let DeviceListAtoms = 4096

/// Pairs a group of the fused kernel sums: enough groups to fill the device, few partial sums to add.
[<Literal>]
let ChunkPairs = 2048

/// Consecutive runs [start, stop) of items whose sizes add up to at most `limit` (an item larger than that alone).
let internal batches (sizes: int[]) (limit: int) =
    [| let mutable start = 0

       while start < sizes.Length do
           let mutable stop = start + 1
           let mutable total = sizes.[start]

           while stop < sizes.Length && total + sizes.[stop] <= limit do
               total <- total + sizes.[stop]
               stop <- stop + 1

           yield start, stop
           start <- stop |]

/// Adds the seconds `f` takes to a phase (`add`) and gives its result.
let internal timed (add: float -> unit) (f: unit -> 'a) =
    let clock = Diagnostics.Stopwatch.StartNew()
    let r = f ()
    add clock.Elapsed.TotalSeconds
    r

/// Seconds spent in describeMany's parts since the last reset (a profiling aid for the benchmarks): d_NN and host
/// neighbour lists, the device's part (copies included) and within it the neighbour count, the pair rows' fill and the
/// sums (each waited for), power spectra and means on the host.
type internal Phases =
    { mutable Lists: float
      mutable Device: float
      mutable Count: float
      mutable Fill: float
      mutable Sums: float
      mutable Spectra: float }

let internal phases =
    { Lists = 0.0
      Device = 0.0
      Count = 0.0
      Fill = 0.0
      Sums = 0.0
      Spectra = 0.0 }

let internal resetPhases () =
    phases.Lists <- 0.0
    phases.Device <- 0.0
    phases.Count <- 0.0
    phases.Fill <- 0.0
    phases.Sums <- 0.0
    phases.Spectra <- 0.0

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


    let rowsKernel =
        accelerator.LoadAutoGroupedStreamKernel<
            Index1D,
            Doubles,
            Ints,
            ArrayView1D<ListTask, Stride1D.Dense>,
            ArrayView1D<ListJob, Stride1D.Dense>,
            Ints,
            Doubles,
            ListShape,
            int
         >(
            neighbourRows
        )

    /// The expansion sums A (N·(L+1)² per job) of jobs whose pair rows are on the device (job j: rows first[j] …
    /// first[j + 1] − 1 of `pairs`); half[j] = 1 for half-pair mode.
    let sumsOf (calc: SoapCalculator) (pairs: Doubles) (first: int[]) (half: int[]) =
        let p = calc.Parameters
        let lm, n, l1 = calc.LmCount, p.NMax, p.LMax + 1
        let t = calc.Harmonics
        let centres = calc.Basis.Centres
        let jobs = half.Length
        let count = first.[jobs]

        let shape =
            { LMax = p.LMax
              NMax = n
              Alpha = calc.Basis.Alpha
              Delta = (if centres.Length > 1 then centres.[1] else 1.0)
              Reach = sqrt (40.0 / calc.Basis.Alpha) }

        use dTables = accelerator.Allocate1D<float>(Array.concat [ t.Norm; t.RecA; t.RecB ])
        use dCentres = accelerator.Allocate1D<float>(centres)
        use dHalf = accelerator.Allocate1D<int>(max 1 jobs)
        dHalf.View.SubView(0L, int64 jobs).CopyFromCPU(half)
        use dAcc = accelerator.Allocate1D<float>(int64 (max 1 jobs) * int64 (n * lm))

        if fusedFits shape then
            // each job's pairs in chunks of ChunkPairs from its own start: the sums do not depend on the batch
            let chunkOf =
                Array.init jobs (fun j ->
                    let pieces = (first.[j + 1] - first.[j] + ChunkPairs - 1) / ChunkPairs

                    Array.init pieces (fun k -> first.[j] + k * ChunkPairs, min first.[j + 1] (first.[j] + (k + 1) * ChunkPairs)))

            let chunks = Array.concat chunkOf
            let jobChunk = Array.scan (fun acc (c: _[]) -> acc + c.Length) 0 chunkOf
            use dFirst = accelerator.Allocate1D<int>(max 1 chunks.Length)
            use dLast = accelerator.Allocate1D<int>(max 1 chunks.Length)
            use dJobChunk = accelerator.Allocate1D<int>(jobChunk)

            use dPartial =
                accelerator.Allocate1D<float>(int64 (max 1 chunks.Length) * int64 (n * lm))

            if chunks.Length > 0 then
                dFirst.View.SubView(0L, int64 chunks.Length).CopyFromCPU(Array.map fst chunks)
                dLast.View.SubView(0L, int64 chunks.Length).CopyFromCPU(Array.map snd chunks)
                // a thread an output (or a tile task), rounded up to whole warps, as far as the device allows
                let wanted = max (n * lm) (PairTile * n + PairTile)
                let warp = accelerator.WarpSize

                let group =
                    min accelerator.MaxNumThreadsPerGroup ((wanted + warp - 1) / warp * warp)

                chunkKernel.Invoke(
                    KernelConfig(Index1D chunks.Length, Index1D group),
                    pairs,
                    dFirst.View,
                    dLast.View,
                    dPartial.View,
                    dTables.View,
                    dCentres.View,
                    t.Norm.Length,
                    shape
                )

            totalKernel.Invoke(Index1D(jobs * n * lm), dPartial.View, dJobChunk.View, dHalf.View, dAcc.View, shape)
            // before this branch's buffers go
            accelerator.Synchronize()
        else
            use dY = accelerator.Allocate1D<float>(int64 (max 1 count) * int64 lm)
            use dG = accelerator.Allocate1D<float>(int64 (max 1 count) * int64 (n * l1))
            use dFirst = accelerator.Allocate1D<int>(first)

            if count > 0 then
                pairKernel.Invoke(Index1D count, pairs, dY.View, dG.View, dTables.View, dCentres.View, t.Norm.Length, shape)

            sumKernel.Invoke(Index1D(jobs * n * lm), dY.View, dG.View, dFirst.View, dHalf.View, dAcc.View, shape)
            accelerator.Synchronize()

        dAcc.View.SubView(0L, int64 jobs * int64 (n * lm)).GetAsArray1D()

    /// The expansion sums A (N·(L+1)² per job) of a batch of jobs listed on the host.
    member _.Sums(calc: SoapCalculator, jobs: Job[]) =
        lock gate (fun () ->
            let pairs = jobs |> Array.collect (fun j -> j.Pairs)
            let first = Array.scan (fun acc (j: Job) -> acc + j.Pairs.Length / 4) 0 jobs
            use dPairs = accelerator.Allocate1D<float>(max 4 pairs.Length)

            if pairs.Length > 0 then
                dPairs.View.SubView(0L, int64 pairs.Length).CopyFromCPU(&pairs.[0], int64 pairs.Length)

            sumsOf calc dPairs.View first (jobs |> Array.map (fun j -> if j.Half then 1 else 0)))

    /// The expansion sums A (N·(L+1)² per job, in order) of jobs whose neighbours the device finds: `positions` (x, y, z
    /// an atom) and `numbers` hold every job's structure (job.First …), `tasks` every job's centres, job by job. Pairs
    /// are counted, then listed and summed in batches of at most maxPairs (a job larger than that alone).
    member _.ListSums(calc: SoapCalculator, positions: float[], numbers: int[], jobs: ListJob[], tasks: ListTask[], maxPairs: int) =
        lock gate (fun () ->
            let size = calc.Parameters.NMax * calc.LmCount
            let acc = Array.zeroCreate<float>(jobs.Length * size)

            let cut =
                { Cutoff = calc.Parameters.Cutoff
                  Width = calc.Parameters.TransitionWidth }

            if tasks.Length > 0 then
                use dPos = accelerator.Allocate1D<float>(positions)
                use dNumbers = accelerator.Allocate1D<int>(numbers)
                use dTasks = accelerator.Allocate1D<ListTask>(tasks)
                use dJobs = accelerator.Allocate1D<ListJob>(jobs)
                use dCounts = accelerator.Allocate1D<int>(tasks.Length)
                use dNone = accelerator.Allocate1D<float>(4L)

                let counts =
                    timed (fun t -> phases.Count <- phases.Count + t) (fun () ->
                        rowsKernel.Invoke(
                            Index1D tasks.Length,
                            dPos.View,
                            dNumbers.View,
                            dTasks.View,
                            dJobs.View,
                            dCounts.View,
                            dNone.View,
                            cut,
                            0
                        )

                        dCounts.GetAsArray1D())

                // tasks come job by job: each job's first task and pair total
                let taskFirst = Array.zeroCreate (jobs.Length + 1)

                for t in tasks do
                    taskFirst.[t.Job + 1] <- taskFirst.[t.Job + 1] + 1

                for j in 1 .. jobs.Length do
                    taskFirst.[j] <- taskFirst.[j] + taskFirst.[j - 1]

                let jobPairs =
                    Array.init jobs.Length (fun j -> Array.sum counts.[taskFirst.[j] .. taskFirst.[j + 1] - 1])

                for start, stop in batches jobPairs maxPairs do
                    let t0, t1 = taskFirst.[start], taskFirst.[stop]
                    let first = Array.scan (+) 0 jobPairs.[start .. stop - 1]
                    use dOffsets = accelerator.Allocate1D<int>(Array.scan (+) 0 counts.[t0 .. t1 - 1])
                    use dPairs = accelerator.Allocate1D<float>(4L * int64 (max 1 first.[stop - start]))

                    timed (fun t -> phases.Fill <- phases.Fill + t) (fun () ->
                        if t1 > t0 then
                            rowsKernel.Invoke(
                                Index1D(t1 - t0),
                                dPos.View,
                                dNumbers.View,
                                dTasks.View.SubView(int64 t0, int64 (t1 - t0)),
                                dJobs.View,
                                dOffsets.View,
                                dPairs.View,
                                cut,
                                1
                            )

                        accelerator.Synchronize())

                    let half = jobs.[start .. stop - 1] |> Array.map (fun j -> j.Half)

                    let a =
                        timed (fun t -> phases.Sums <- phases.Sums + t) (fun () -> sumsOf calc dPairs.View first half)

                    Array.blit a 0 acc (start * size) a.Length

            acc)

    interface IDisposable with
        member _.Dispose() =
            accelerator.Dispose()
            context.Dispose()

module Host =
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
            Error(sprintf "the GPU descriptor could not start: %s" (failureMessage e))

    /// The default batch: 8 million pairs on CUDA (256 MB of pair rows), 200,000 on the CPU accelerator.
    let defaultPairs (cuda: bool) = if cuda then 8_000_000 else 200_000

    /// Whether the device finds a structure's neighbours (else the host lists them).
    let private listedOnDevice (s: Structure) =
        not (Pbc.any s.Pbc) && Structure.count s <= DeviceListAtoms

    /// The jobs of one structure (one per species pair with a d_NN), or the reason it has none. For a structure that
    /// the device searches, only d_NN and the centres are found here.
    let private jobsOf (calc: SoapCalculator) (options: DescriptorOptions) (index: int) (s: Structure) =
        let cells = CellList.build s
        let onDevice = listedOnDevice s

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

                        let pairs =
                            if onDevice then
                                [||]
                            else
                                let pairs = ResizeArray<float>(4 * 64 * max 1 centres.Length)

                                for i in centres do
                                    Soap.neighboursOf calc cells s buffer scale i half (Some zb) (fun dx dy dz r ->
                                        let w = Soap.weight calc half r

                                        if w > 0.0 then
                                            pairs.Add dx
                                            pairs.Add dy
                                            pairs.Add dz
                                            pairs.Add w)

                                pairs.ToArray()

                        { Structure = index
                          Pair = k
                          Centres = centres.Length
                          Half = half
                          Pairs = pairs
                          OnDevice = onDevice
                          CentreAtoms = centres
                          Zb = zb
                          Scale = scale }))

            dnns, jobs)

    /// The device's part for jobs whose neighbours it finds: their structures' atoms gathered, the sums in job order.
    let private listSums (dev: SoapDevice) (calc: SoapCalculator) (maxPairs: int) (structures: Structure[]) (jobs: Job[]) =
        let first = Collections.Generic.Dictionary<int, int>()
        let positions = ResizeArray<float>()
        let numbers = ResizeArray<int>()

        for j in jobs do
            if not (first.ContainsKey j.Structure) then
                let s = structures.[j.Structure]
                first.[j.Structure] <- numbers.Count

                for p in s.Positions do
                    positions.Add p.X
                    positions.Add p.Y
                    positions.Add p.Z

                numbers.AddRange s.Numbers

        let listJobs =
            jobs
            |> Array.map (fun j ->
                { First = first.[j.Structure]
                  Atoms = Structure.count structures.[j.Structure]
                  Zb = j.Zb
                  Half = (if j.Half then 1 else 0)
                  Scale = j.Scale })

        let tasks =
            jobs
            |> Array.mapi (fun k j ->
                j.CentreAtoms
                |> Array.map (fun i ->
                    { Job = k
                      Atom = first.[j.Structure] + i }))
            |> Array.concat

        dev.ListSums(calc, positions.ToArray(), numbers.ToArray(), listJobs, tasks, maxPairs)

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
            // d_NN, and neighbour lists where the device does not find them, on the host, a structure a core
            let addLists t = phases.Lists <- phases.Lists + t
            let addDevice t = phases.Device <- phases.Device + t
            let addSpectra t = phases.Spectra <- phases.Spectra + t

            let prepared =
                timed addLists (fun () -> structures |> Array.Parallel.mapi (jobsOf calc options))

            let size = calc.Parameters.NMax * calc.LmCount

            let spectra =
                Array.init structures.Length (fun _ -> Collections.Generic.Dictionary<int, float[]>())

            let onDevice, listed =
                prepared
                |> Array.collect (function
                    | Ok(_, jobs) -> Array.ofList jobs
                    | Error _ -> [||])
                |> Array.partition (fun j -> j.OnDevice)

            let keep (batch: Job[]) (acc: float[]) =
                timed addSpectra (fun () ->
                    batch
                    |> Array.iteri (fun b job ->
                        spectra.[job.Structure].[job.Pair] <- Soap.powerSpectrum calc acc.[b * size .. (b + 1) * size - 1] job.Centres))

            // the jobs whose neighbours the device finds, in one call (it batches by pairs itself)
            if onDevice.Length > 0 then
                keep onDevice (timed addDevice (fun () -> listSums dev calc maxPairs structures onDevice))

            // the others in batches of at most maxPairs listed pairs (a job larger than that alone)
            for start, stop in batches (listed |> Array.map (fun j -> j.Pairs.Length / 4)) maxPairs do
                let batch = listed.[start .. stop - 1]
                keep batch (timed addDevice (fun () -> dev.Sums(calc, batch)))

            Ok(
                prepared
                |> Array.mapi (fun i r ->
                    r
                    |> Result.map (fun (dnns, _) ->
                        descriptor calc dnns (spectra.[i] |> Seq.map (fun kv -> kv.Key, kv.Value) |> Map.ofSeq)))
            )

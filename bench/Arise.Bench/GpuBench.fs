/// The GPU engine beside the managed CPU engine in one run: Monte Carlo dropout throughput against the device's FP32
/// peak, and, with a CUDA device, Fig. 2's SPM and a 10⁶-atom bulk SPM end to end on both engines.
module Arise.Bench.GpuBench

open System
open System.Diagnostics
open System.IO
open Arise.Structure
open Arise.Model
open Arise.Gpu
open Arise.Spm
open ILGPU.Runtime.Cuda

/// Best of three runs, after one that compiles the kernels and the JIT's hot loops.
let private best (f: unit -> unit) =
    f ()

    List.min
        [ for _ in 1..3 ->
              let sw = Stopwatch.StartNew()
              f ()
              sw.Elapsed.TotalSeconds ]

/// The SOAP phases since the last reset, as one line.
let private phaseLine () =
    let ph = SoapHost.phases

    sprintf
        "host (d_NN; neighbour lists only for periodic or large structures) %.3f s, device (copies included) %.3f s \
         (neighbour count %.3f, pair rows %.3f, sums %.3f), power spectra (host) %.3f s"
        ph.Lists
        ph.Device
        ph.Count
        ph.Fill
        ph.Sums
        ph.Spectra

let private spmSeconds (engine: IEngine) (m: Model) (samples: int) (settings: SpmSettings) (s: Structure) =
    let pipeline = Pipeline.createWith engine m |> Result.defaultWith failwith
    SoapHost.resetPhases ()
    let grid, r, t, seconds = SpmBench.timedOn pipeline samples settings s
    let ph = SoapHost.phases

    if ph.Lists + ph.Device + ph.Spectra > 0.0 then
        printfn "  descriptor parts: %s" (phaseLine ())

    grid.Count, seconds, t, r

/// One part of the check: a failure is printed whole (the device's own message and where it arose) and the next part
/// still runs, so that one run on a lent machine says as much as it can.
let private part (name: string) (f: unit -> unit) =
    try
        f ()
    with e ->
        printfn "%s FAILED: %O" name e

/// The CUDA devices as ILGPU sees them (architecture, PTX ISA, driver), or why it sees none.
let private deviceInformation () =
    try
        use context = ILGPU.Context.Create(fun b -> b.Cuda() |> ignore)

        let cuda =
            context.Devices
            |> Seq.filter (fun d -> d.AcceleratorType = ILGPU.Runtime.AcceleratorType.Cuda)
            |> Seq.toList

        if cuda.IsEmpty then
            printfn "ILGPU found no CUDA device"

        for d in cuda do
            d.PrintInformation(Console.Out)
    with e ->
        printfn "ILGPU found no CUDA device: %O" e

/// Two engines' SPM results on the same grid, seed and T: the largest differences of the mean probabilities and of
/// the mutual information, and the boxes whose most probable class differs.
let private agreement (a: SpmResult) (b: SpmResult) =
    // the largest difference over the entries both give (NaN: an empty box)
    let worst (xs: float[]) (ys: float[]) =
        Array.fold2
            (fun m x y ->
                if Double.IsNaN x || Double.IsNaN y then
                    m
                else
                    max m (abs (x - y)))
            0.0
            xs
            ys

    let dp = worst (Array.map float a.Probabilities) (Array.map float b.Probabilities)
    let dmi = worst a.MutualInformation b.MutualInformation

    let differ =
        Array.fold2 (fun n x y -> if x <> y then n + 1 else n) 0 a.Argmax b.Argmax

    sprintf
        "GPU against CPU engine: max |Δp| %.2g (target 1e-5), max |ΔMI| %.2g (target 1e-4), argmax differs in %d of %d boxes"
        dp
        dmi
        differ
        a.Argmax.Length

/// SOAP environments/s on the device (GpuSoap, neighbour lists on the host's cores) against one CPU core, over
/// `boxes` boxes of 500 Cu atoms (fcc, 0.05 Å jitter; R_C = 4 d_NN: about 370 neighbours a centre inside).
let private soap (device: Device) (boxes: int) =
    let calc =
        Arise.Soap.Soap.create Arise.Soap.SoapParameters.arise
        |> Result.defaultWith failwith

    let options = Arise.Soap.AriseDescriptor.defaults
    let crystal = Crystals.fcc 29 3.61 |> Supercell.repeat 5 5 5 |> Structure.toCluster
    let rng = Random 5

    let structures =
        Array.init boxes (fun _ ->
            crystal
            |> Structure.transform (fun p ->
                p
                + Vec3.make (0.05 * rng.NextDouble()) (0.05 * rng.NextDouble()) (0.05 * rng.NextDouble())))

    let envs = float (Structure.count crystal)

    // one core after 2 s of warm-up (the JIT's tiers), then the best of 7 timed runs, printed with their spread: a short
    // warm-up gave 5,800 to 26,900 environments/s on the lent H200 machine's host from run to run, and 4,400-61,000 here
    GC.Collect()
    let warm = Stopwatch.StartNew()

    let once () =
        let sw = Stopwatch.StartNew()

        Arise.Soap.AriseDescriptor.computeWith calc { options with Threads = 1 } structures.[0]
        |> ignore

        sw.Elapsed.TotalSeconds

    while warm.Elapsed.TotalSeconds < 2.0 do
        once () |> ignore

    let rounds = [ for _ in 1..7 -> once () ]
    let oneCore = List.min rounds

    SoapHost.resetPhases ()

    let onDevice =
        best (fun () ->
            GpuSoap.describeMany device (GpuSoap.defaultPairs device) calc options structures
            |> Result.defaultWith failwith
            |> ignore)

    let cpuRate, deviceRate = envs / oneCore, envs * float boxes / onDevice

    let cpu =
        Arise.Soap.AriseDescriptor.computeWith calc options structures.[0]
        |> Result.defaultWith failwith

    let device' =
        GpuSoap.describeMany device (GpuSoap.defaultPairs device) calc options structures.[..0]
        |> Result.defaultWith failwith

    let delta =
        Array.fold2 (fun m x y -> max m (abs (x - y))) 0.0 cpu.Vector (device'.[0] |> Result.defaultWith failwith).Vector

    printfn "SOAP on %A against the CPU descriptor: max |Δ| %.2g (target 1e-6)" device delta

    printfn "SOAP parts over the 4 timed calls: %s" (phaseLine ())

    printfn
        "SOAP (ARISE load, %d boxes of %d atoms), %A: %.0f environments/s; one CPU core %.0f/s (rounds %.0f–%.0f/s); %.1f× one \
         core%s"
        boxes
        (Structure.count crystal)
        device
        deviceRate
        cpuRate
        (envs / List.max rounds)
        (envs / List.min rounds)
        (deviceRate / cpuRate)
        (if device = Device.Cuda then
             " (target ≥ 100×)"
         else
             " (the CPU accelerator: a check that the kernels run)")

/// The managed engine's MC dropout on all cores over 40 inputs of x: passes/s and GFLOP/s.
let private managedDropout (net: Network) flopsPerRow samples (x: float32 array) =
    let inputs = 40
    let xc = x.[.. inputs * net.Architecture.Inputs - 1]

    let seconds =
        best (fun () ->
            Engines.managed.MonteCarlo(Environment.ProcessorCount, 1, samples, net, xc, inputs)
            |> ignore)

    float (inputs * samples) / seconds, float (inputs * samples) * flopsPerRow / seconds / 1e9

/// MC dropout passes/s and GFLOP/s on the engine against the managed engine's (measured once, `managed`).
let private dropout (engine: IEngine) (net: Network) flopsPerRow (cuda: (string * float) option) inputs samples (x: float32 array) managed =
    let gpuSeconds =
        best (fun () -> engine.MonteCarlo(1, 1, samples, net, x, inputs) |> ignore)

    let gpuRate = float (inputs * samples) * flopsPerRow / gpuSeconds / 1e9
    let cpuPasses, cpuRate = managed

    let ofPeak =
        match cuda with
        | Some(_, peak) -> sprintf ", %.0f %% of the FP32 peak (target ≥ 40 %%)" (100.0 * gpuRate / peak)
        | None -> ""

    printfn
        "MC dropout, %d inputs × T = %d: %.0f passes/s = %.1f GFLOP/s%s; managed engine (%d threads, 40 inputs): %.0f passes/s = %.1f \
         GFLOP/s; ratio %.2f"
        inputs
        samples
        (float (inputs * samples) / gpuSeconds)
        gpuRate
        ofPeak
        Environment.ProcessorCount
        cpuPasses
        cpuRate
        (gpuRate / cpuRate)

/// Fig. 2's SPM and a 10⁶-atom bulk SPM on the GPU engine and on the managed engine, timed, and the two compared.
let private spm (engine: IEngine) (m: Model) (data: string option) =
    // Fig. 2's sample where the data release is at hand; else a slab of the same size and grain count built by us
    let s, what =
        match data with
        | Some dir ->
            let file = Path.Combine(dir, "polycrystal", "four_grains_elemental_solid.xyz")
            (StructureIO.read file |> Result.defaultWith (fun e -> failwithf "%O" e)), "Fig. 2's four grains"
        | None ->
            let grains =
                [ Crystals.fcc 29 3.61
                  Crystals.bcc 26 2.87
                  Crystals.hcp 12 3.21 5.21
                  Crystals.diamond 6 3.57 ]

            Polycrystal.voronoi 1 grains (Vec3.make 104.0 102.0 15.0) true 1.5, "a four-grain slab of Fig. 2's size (ours)"

    let fig2 =
        { SpmGrid.defaults with
            Box = 16.0
            Stride = 1.0 }

    // one sample on both engines, timed, then the two results compared
    let onBoth (label: string) (target: string) (settings: SpmSettings) (sample: Structure) =
        let results =
            [ for name, e in [ "GPU", engine; "CPU", Engines.managed ] do
                  let boxes, secs, t, r = spmSeconds e m 1000 settings sample

                  printfn
                      "%s (%d atoms, box %g Å, stride %g Å, T = 1000), %s engine: %d boxes in %.1f s (descriptors %.1f s, network \
                       %.1f s%s)"
                      label
                      (Structure.count sample)
                      settings.Box
                      settings.Stride
                      name
                      boxes
                      secs
                      t.Descriptors
                      t.Network
                      target

                  r ]

        printfn "%s, %s" label (agreement results.[0] results.[1])

    onBoth (sprintf "SPM of %s" what) "; GPU target < 10 s" fig2 s
    let grains = List.init 8 (fun _ -> Crystals.fcc 29 3.61)
    let bulk = Polycrystal.voronoi 3 grains (Vec3.make 222.0 222.0 222.0) false 2.0

    let settings =
        { SpmGrid.defaults with
            Mode = SpmMode.Bulk
            Box = 12.0
            Stride = 8.0 }

    onBoth "Bulk SPM" "" settings bulk

let run (model: unit -> Model) (data: string option) =
    deviceInformation ()
    let m = model ()
    let net = m.Network

    let flopsPerRow =
        net.Layers |> Array.sumBy (fun l -> 2.0 * float l.Inputs * float l.Outputs)

    let cuda = Gpu.cudaPeak ()

    let engine, inputs =
        match cuda with
        | Some(name, peak) ->
            printfn "GPU: %s, FP32 CUDA-core peak %.0f GFLOP/s" name peak
            Gpu.engine (Gpu.defaults Device.Cuda) |> Result.defaultWith failwith, 2000
        | None ->
            printfn "No CUDA device: the GPU engine's kernels on ILGPU's CPU accelerator (a check that they run, not a GPU figure)"
            Gpu.engine (Gpu.defaults Device.CpuAccelerator) |> Result.defaultWith failwith, 4

    printfn "Engine: %s; %d CPU cores" engine.Name Environment.ProcessorCount
    let samples = 1000
    let rng = Random 3

    let x =
        Array.init (max inputs 40 * net.Architecture.Inputs) (fun _ -> float32 (rng.NextDouble() * 0.1))

    let managed = managedDropout net flopsPerRow samples x
    part "MC dropout" (fun () -> dropout engine net flopsPerRow cuda inputs samples x managed)

    // the other product kernels beside the default, on a GPU
    if cuda.IsSome then
        for product in [ Product.Tiled 16; Product.Wide 16 ] do
            part (sprintf "MC dropout (%A)" product) (fun () ->
                let other =
                    Gpu.engine
                        { Gpu.defaults Device.Cuda with
                            Product = product }
                    |> Result.defaultWith failwith

                printf "%s: " other.Name
                dropout other net flopsPerRow cuda inputs samples x managed)

    part "SOAP" (fun () -> soap (if cuda.IsSome then Device.Cuda else Device.CpuAccelerator) (if cuda.IsSome then 256 else 4))

    match cuda with
    | Some _ -> part "SPM" (fun () -> spm engine m data)
    | None -> printfn "Fig. 2 and 10⁶-atom SPM on the GPU: skipped (no CUDA device)"

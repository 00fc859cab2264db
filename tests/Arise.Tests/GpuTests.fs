/// The ILGPU engine, run on ILGPU's CPU accelerator (the same kernels CUDA runs): the managed engine's predictions,
/// whatever the product kernel and batch size; engine selection; the CLI's --engine.
module Arise.Tests.GpuTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open Expecto
open Arise.Model
open Arise.Gpu
open Arise.Structure
open Arise
open Arise.Tests.Common

let private cpuAccelerator product batchRows =
    { Gpu.defaults Device.CpuAccelerator with
        Product = product
        BatchRows = batchRows }
    |> Gpu.engine
    |> ok "the CPU accelerator"

/// Largest differences between two engines' predictions: probabilities, mutual information, entropy; and how many
/// inputs have another most probable class.
let private compare (a: Prediction[]) (b: Prediction[]) =
    let dp =
        Array.map2
            (fun (p: Prediction) (q: Prediction) -> Array.map2 (fun u v -> abs (u - v)) p.Probabilities q.Probabilities |> Array.max)
            a
            b
        |> Array.max

    let dmi =
        Array.map2 (fun (p: Prediction) (q: Prediction) -> abs (p.MutualInformation - q.MutualInformation)) a b
        |> Array.max

    let dh =
        Array.map2 (fun (p: Prediction) (q: Prediction) -> abs (p.Entropy - q.Entropy)) a b
        |> Array.max

    let argmax (p: Prediction) =
        Array.findIndex ((=) (Array.max p.Probabilities)) p.Probabilities

    let otherClass =
        Array.map2 (fun p q -> argmax p <> argmax q) a b
        |> Array.filter id
        |> Array.length

    dp, dmi, dh, otherClass

/// A synthetic training set: `classes` Gaussian clusters in `dim` dimensions, `perClass` rows each.
let private clusters (seed: int) (dim: int) (classes: int) (perClass: int) =
    let rng = Random seed

    let centres =
        Array.init classes (fun _ -> Array.init dim (fun _ -> float32 (rng.NextDouble() * 2.0)))

    let rows = classes * perClass
    let y = Array.init rows (fun r -> r % classes)

    let x =
        Array.init (rows * dim) (fun k -> centres.[y.[k / dim]].[k % dim] + float32 ((rng.NextDouble() - 0.5) * 1.2))

    { Classes = Array.init classes (sprintf "class%d")
      MaterialTypes = Array.create classes "synthetic"
      Dimension = dim
      X = x
      Y = y
      Cutoff = Array.create rows 4.0
      Sigma = Array.create rows 0.1
      ExtrinsicScale = Array.create rows 1.0
      Version = Array.create rows "periodic" }

let private smallOptions =
    { Training.ariseOptions with
        Hidden = [| 17; 13 |]
        DropoutRate = 0.0
        LearningRate = 1e-2
        BatchSize = 20
        MaxEpochs = 40
        Patience = None
        Seed = 3
        Threads = 1 }

/// A network whose sizes are multiples of neither 4 nor 16, with a high dropout rate so that masks matter (weights
/// from `netSeed`), and `count` random inputs for it (from `inputSeed`).
let private oddShaped (netSeed: int) (inputSeed: int) (count: int) =
    let arch =
        { Inputs = 37
          Hidden = [| 29; 53 |]
          Classes = 11
          DropoutRate = 0.2 }

    let rng = Random inputSeed
    Network.create netSeed arch, Array.init (count * arch.Inputs) (fun _ -> float32 (rng.NextDouble() * 2.0 - 0.5))

[<Tests>]
let tests =
    // the CPU accelerator runs a kernel on every core: alone, not beside other tests, its times stay those measured
    testSequenced
    <| testList
        "gpu engine"
        [ test "the training set's 99 descriptors a structure made on the device (Engines.trainingSet) equal the cores' to 1e-6" {
              // nanotubes: one finite structure each (the CPU accelerator is slow), two in one device group
              let tube name n m =
                  { Name = name
                    MaterialType = "Nanotubes"
                    File = "(built)"
                    Structure = Nanotube.build 1.42 n m (Nanotube.cellsFor 60 n m) }

              let lib =
                  { Prototypes = [ tube "cnt_6_0" 6 0; tube "cnt_4_4" 4 4 ]
                    Errors = [] }

              let run (engine: IEngine) =
                  let dir = freshFolder "arise-gpu-set-"
                  let clock = Stopwatch.StartNew()

                  let set, errors =
                      Engines.trainingSet engine lib dir 2 (fun _ _ -> ()) Threading.CancellationToken.None

                  Expect.isEmpty errors (engine.Name + ": no errors")

                  let again, _ =
                      Engines.trainingSet engine lib dir 2 (fun _ _ -> ()) Threading.CancellationToken.None

                  Expect.equal again.X set.X (engine.Name + ": read back from its cache")
                  Directory.Delete(dir, true)
                  set, clock.Elapsed.TotalSeconds

              let cpu, tCpu = run Engines.managed
              let gpu, tGpu = run (cpuAccelerator Product.Blocked 4096)
              Expect.equal gpu.Y cpu.Y "labels"
              Expect.equal gpu.Version cpu.Version "structures"
              Expect.equal (gpu.Cutoff, gpu.Sigma, gpu.ExtrinsicScale) (cpu.Cutoff, cpu.Sigma, cpu.ExtrinsicScale) "settings"

              let worst =
                  Array.fold2 (fun m (x: float32) y -> max m (abs (x - y))) 0.0f gpu.X cpu.X

              printfn
                  "training set on the CPU accelerator: %d rows, max |Δ| %.1e against the cores (%.0f s, cores %.0f s)"
                  gpu.Rows
                  worst
                  tGpu
                  tCpu

              Expect.isLessThan worst 1e-6f "within 1e-6"
          }

          test "the SOAP kernels (ILGPU's CPU accelerator) give the CPU descriptor to 1e-10 and the 396 quippy reference vectors to 1e-6" {
              withData (fun data ->
                  let rows = readMeta data |> Array.ofList
                  let reference = SoapTests.referenceVectors data
                  let calc = Arise.Soap.Soap.create Arise.Soap.SoapParameters.arise |> ok "calculator"
                  let options = Arise.Soap.AriseDescriptor.defaults
                  let structures = rows |> Array.map DnnTests.referenceStructure
                  // small batches: many launches, jobs split across them
                  let gpu =
                      GpuSoap.describeMany Device.CpuAccelerator 20_000 calc options structures
                      |> ok "the CPU accelerator"

                  let mutable worstCpu, worstReference = 0.0, 0.0

                  for i in 0 .. rows.Length - 1 do
                      let cpu =
                          Arise.Soap.AriseDescriptor.computeWith calc options structures.[i] |> ok "cpu"

                      let g = gpu.[i] |> ok (sprintf "row %d on the accelerator" rows.[i].Row)
                      Expect.equal g.PairDnn cpu.PairDnn "the same d_NN"

                      let d (a: float[]) (b: float[]) =
                          Array.fold2 (fun m x y -> max m (abs (x - y))) 0.0 a b

                      worstCpu <- max worstCpu (d g.Vector cpu.Vector)
                      worstReference <- max worstReference (d g.Vector reference.[rows.[i].Row])

                  printfn
                      "GPU SOAP (CPU accelerator): %d structures, max |Δ| %.2e against the CPU, %.2e against quippy"
                      rows.Length
                      worstCpu
                      worstReference

                  Expect.isLessThan worstCpu 1e-10 "the CPU descriptor"
                  Expect.isLessThan worstReference 1e-6 "the quippy reference vectors")
          }

          test "the SOAP kernels on a two-species box, and on overlapping atoms and an empty structure (errors) as the CPU" {
              let calc = Arise.Soap.Soap.create Arise.Soap.SoapParameters.arise |> ok "calculator"
              let options = Arise.Soap.AriseDescriptor.defaults
              let cu = Crystals.fcc 29 3.61 |> Supercell.repeat 3 3 3 |> Structure.toCluster
              // Cu₃Au order: Au on every fourth site (the cube corners)
              let alloy =
                  { cu with
                      Numbers = cu.Numbers |> Array.mapi (fun i z -> if i % 4 = 0 then 79 else z) }

              let doubled =
                  { alloy with
                      Positions = Array.append alloy.Positions [| alloy.Positions.[0] |]
                      Numbers = Array.append alloy.Numbers [| 79 |] }

              let empty = Structure.cluster [||] [||]
              let all = [| alloy; doubled; empty |]

              let gpu =
                  GpuSoap.describeMany Device.CpuAccelerator 1_000 calc options all
                  |> ok "accelerator"

              let cpu = all |> Array.map (Arise.Soap.AriseDescriptor.computeWith calc options)
              let g = gpu.[0] |> ok "gpu"
              let c = cpu.[0] |> ok "cpu"
              Expect.equal g.PairDnn.Length 4 "Cu→Cu, Cu→Au, Au→Cu, Au→Au"
              let d = Array.fold2 (fun m x y -> max m (abs (x - y))) 0.0 g.Vector c.Vector
              Expect.isLessThan d 1e-10 "the two-species box"

              for k in 1..2 do
                  match gpu.[k], cpu.[k] with
                  | Error a, Error b -> Expect.equal a b (sprintf "structure %d: the CPU's error" k)
                  | _ -> failtestf "structure %d: an error on both was expected" k
          }

          test "on a small odd-shaped network, both product kernels and any batch size give the managed engine's predictions" {
              let count, samples = 13, 7
              let net, x = oddShaped 5 9 count

              let managed = Engines.managed.MonteCarlo(1, 4, samples, net, x, count)

              let runs =
                  [ "blocked, one batch", cpuAccelerator Product.Blocked 4096
                    "blocked, one input a batch", cpuAccelerator Product.Blocked 10
                    "tiled 4 × 4, 4 inputs a batch", cpuAccelerator (Product.Tiled 4) 30
                    "tiled 2 × 2, one batch", cpuAccelerator (Product.Tiled 2) 4096
                    "wide 2 × 2, 3 inputs a batch", cpuAccelerator (Product.Wide 2) 21
                    "wide 4 × 4, one batch", cpuAccelerator (Product.Wide 4) 4096 ]
                  |> List.map (fun (name, e) -> name, e.MonteCarlo(1, 4, samples, net, x, count))

              for name, r in runs do
                  let dp, dmi, dh, other = compare managed r
                  Expect.isLessThan dp 1e-5 (sprintf "%s: probabilities (max diff %g)" name dp)
                  Expect.isLessThan dmi 1e-5 (sprintf "%s: mutual information (max diff %g)" name dmi)
                  Expect.isLessThan dh 1e-5 (sprintf "%s: entropy (max diff %g)" name dh)
                  Expect.equal other 0 (sprintf "%s: same most probable class" name)

              // the same kernel gives the same numbers, bit for bit, whatever the batching
              let _, oneBatch = runs.[0]
              let _, perInput = runs.[1]
              Expect.equal (perInput |> Array.map (fun p -> p.Probabilities)) (oneBatch |> Array.map (fun p -> p.Probabilities)) "batching"
              // the 8 × 8 and the 4 × 4 tiles add the depth in the same order: the same bits
              let _, tiled = runs.[3]
              let _, wide = runs.[4]
              Expect.equal (wide |> Array.map (fun p -> p.Probabilities)) (tiled |> Array.map (fun p -> p.Probabilities)) "wide = tiled"
              // another seed gives other masks: the engines do not ignore the seed
              let other =
                  (cpuAccelerator Product.Blocked 4096).MonteCarlo(1, 5, samples, net, x, count)

              let dp, _, _, _ = compare oneBatch other
              Expect.isGreaterThan dp 1e-4 "another seed, other masks"
          }

          test "hidden-layer pre-activations (dropout off) on the GPU engine: the managed engine's, any layer, kernel, batching" {
              let count = 23
              let net, x = oddShaped 6 10 count

              let managed = Engines.managed.Hidden(net, x, count)
              Expect.equal (managed |> Array.map Array.length) [| count * 29; count * 53; count * 11 |] "layer widths, logits last"

              for name, e in
                  [ "blocked, one batch", cpuAccelerator Product.Blocked 4096
                    "blocked, 5 rows a batch", cpuAccelerator Product.Blocked 5
                    "tiled 4 × 4, 7 rows a batch", cpuAccelerator (Product.Tiled 4) 7
                    "wide 2 × 2, 7 rows a batch", cpuAccelerator (Product.Wide 2) 7 ] do
                  let gpu = e.Hidden(net, x, count)
                  Expect.equal (gpu |> Array.map Array.length) (managed |> Array.map Array.length) (name + ": shapes")

                  for layer in 0 .. managed.Length - 1 do
                      let d =
                          Array.map2 (fun (a: float32) b -> abs (float a - float b)) managed.[layer] gpu.[layer]
                          |> Array.max

                      Expect.isLessThan d 1e-5 (sprintf "%s, layer %d: max |diff| %g" name (layer + 1) d)

                  // negative pre-activations are kept (ReLU comes after): not a copy of the next layer's input
                  Expect.exists gpu.[0] (fun v -> v < 0.0f) (name + ": pre-activations, not ReLU outputs")
          }

          test "the embedded model on the CPU accelerator: the managed engine's predictions for the 588 Table 1 structures at T = 100" {
              withData (fun data ->
                  let lib = Prototypes.load (prototypesDir data)

                  let structures =
                      [| for p in lib.Prototypes do
                             for _, s in TrainingSet.testStructures p -> s |]

                  let model = Recognizer.Default.Model
                  let pipeline = Pipeline.ofModel model

                  let described =
                      Classifier.describe pipeline structures
                      |> Array.mapi (fun i d -> ok (sprintf "structure %d" i) d)

                  let x = Pipeline.pack pipeline described
                  let count = described.Length
                  let sw = Stopwatch.StartNew()

                  let managed =
                      Engines.managed.MonteCarlo(Environment.ProcessorCount, 1, 100, model.Network, x, count)

                  let managedSeconds = sw.Elapsed.TotalSeconds
                  sw.Restart()

                  let ilgpu =
                      (Gpu.select "ilgpu-cpu" |> ok "ilgpu-cpu").MonteCarlo(1, 1, 100, model.Network, x, count)

                  let dp, dmi, dh, other = compare managed ilgpu

                  printfn
                      "ILGPU engine (CPU accelerator) vs managed, %d structures × T = 100: max |Δp| %.2g, max |ΔMI| %.2g nats, \
                       max |ΔH| %.2g, %d other classes; %.1f s vs %.1f s"
                      count
                      dp
                      dmi
                      dh
                      other
                      sw.Elapsed.TotalSeconds
                      managedSeconds

                  Expect.equal count 588 "the 588 test structures"
                  Expect.isLessThan dp 1e-5 "mean probabilities within 1e-5"
                  Expect.isLessThan dmi 1e-4 "mutual information within 1e-4"
                  Expect.equal other 0 "the same most probable class for every structure")
          }

          test "a training step on the GPU engine is the managed engine's (dropout off): the same losses and weights over 10 Adam steps" {
              let set = clusters 4 23 6 4

              let arch =
                  { Inputs = 23
                    Hidden = smallOptions.Hidden
                    Classes = 6
                    DropoutRate = 0.0 }

              let onCpu = Network.create 11 arch
              let onGpu = Network.copy onCpu
              use managed = Training.managedStepper smallOptions onCpu

              use gpu =
                  Gpu.stepper (cpuAccelerator Product.Blocked 4096) smallOptions onGpu
                  |> Option.defaultWith (fun () -> failwith "an ILGPU engine has a stepper")

              let rows = 20
              let x = set.X.[.. rows * 23 - 1]
              let y = set.Y.[.. rows - 1]

              for step in 1..10 do
                  let l1, c1 = managed.Step(x, y, rows)
                  let l2, c2 = gpu.Step(x, y, rows)
                  Expect.isLessThan (abs (l1 - l2)) (1e-5 * l1) (sprintf "step %d: loss %g vs %g" step l1 l2)
                  Expect.equal c2 c1 (sprintf "step %d: correct predictions" step)

              gpu.Sync()

              let diff =
                  Array.map2
                      (fun (a: DenseLayer) (b: DenseLayer) ->
                          Array.map2 (fun (u: float32) v -> abs (u - v)) (Array.append a.Weights a.Bias) (Array.append b.Weights b.Bias)
                          |> Array.max)
                      onCpu.Layers
                      onGpu.Layers
                  |> Array.max

              Expect.isLessThan diff 1e-4f (sprintf "weights after 10 steps (max diff %g)" diff)
              Expect.notEqual (Network.weightsHash onGpu) (Network.weightsHash (Network.create 11 arch)) "the weights moved"
          }

          test "a small model trains on the GPU engine to the managed engine's accuracy (dropout 0.2, 20 epochs)" {
              let set = clusters 5 23 6 30
              let rows = [| 0 .. set.Rows - 1 |]
              let train = rows |> Array.filter (fun r -> r % 5 <> 0)
              let valid = rows |> Array.filter (fun r -> r % 5 = 0)

              let options =
                  { smallOptions with
                      DropoutRate = 0.2
                      MaxEpochs = 20 }

              let engine = cpuAccelerator Product.Blocked 4096

              let _, cpu =
                  Engines.managed.Train(options, set, train, valid, None, ignore, Threading.CancellationToken.None)

              let _, gpu =
                  engine.Train(options, set, train, valid, None, ignore, Threading.CancellationToken.None)

              printfn
                  "small model, 20 epochs: validation accuracy managed %.3f, GPU engine %.3f"
                  cpu.ValidationAccuracy
                  gpu.ValidationAccuracy

              Expect.isGreaterThanOrEqual gpu.ValidationAccuracy 0.9 "the GPU engine learns the clusters"
              Expect.isGreaterThanOrEqual gpu.ValidationAccuracy (cpu.ValidationAccuracy - 0.05) "as well as the managed engine"
          }

          test "engines by name: cpu, auto without a GPU, gpu without one, and unknown names" {
              Expect.equal ((Gpu.select "cpu" |> ok "cpu").Name) Engines.managed.Name "cpu is the managed engine"
              Expect.equal ((Gpu.select " CPU " |> ok "CPU").Name) Engines.managed.Name "names are trimmed, any case"
              let e = Gpu.select "quantum" |> err "an unknown name"
              Expect.stringContains e "auto, cpu, gpu, ilgpu-cpu" "the message lists the names"
              Expect.stringContains ((Gpu.select "ilgpu-cpu" |> ok "ilgpu-cpu").Name) "CPU" "ilgpu-cpu runs on the CPU accelerator"

              let bad =
                  Gpu.engine
                      { Gpu.defaults Device.CpuAccelerator with
                          Product = Product.Tiled 17 }
                  |> err "a group edge of 17"

              Expect.stringContains bad "1–16" "the tiled group edge is checked"

              if List.isEmpty (Gpu.cudaDevices ()) then
                  Expect.stringContains (Gpu.select "gpu" |> err "gpu without CUDA") "no CUDA device" "gpu says there is none"
                  Expect.equal ((Gpu.select "auto" |> ok "auto").Name) Engines.managed.Name "auto falls back to the CPU"
              else
                  Expect.stringContains ((Gpu.select "auto" |> ok "auto").Name) "ILGPU" "auto takes the GPU"
          }

          test "Recognizer.OnEngine runs the face on another engine with the same probabilities" {
              let s = Structures.Sample
              let cpu = Recognizer.Default.Classify(s, samples = 50)
              let onAccelerator = Recognizer.Default.OnEngine "ilgpu-cpu"
              Expect.stringContains onAccelerator.Engine "ILGPU" "the engine's name"
              Expect.equal Recognizer.Default.Engine Engines.managed.Name "the default recognizer stays on the CPU"
              let other = onAccelerator.Classify(s, samples = 50)
              Expect.equal other.Top.[0].Class cpu.Top.[0].Class "the same class"
              Expect.isLessThan (abs (other.Top.[0].Probability - cpu.Top.[0].Probability)) 1e-5 "the same probability"

              Expect.throwsT<AriseException> (fun () -> Recognizer.Default.OnEngine "tpu" |> ignore) "an unknown engine"
          }

          test "arise classify --engine ilgpu-cpu prints the managed engine's probabilities and names its engine" {
              let cli = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

              let run engine =
                  let code, out, errors =
                      runProcess (Path.GetTempPath()) "dotnet" [ cli; "classify"; "--samples"; "100"; "--json"; "--engine"; engine ] 300

                  Expect.equal code 0 (sprintf "--engine %s: %s" engine errors)
                  let top = JsonDocument.Parse(out).RootElement.[0].GetProperty("top").[0]
                  top.GetProperty("class").GetString(), top.GetProperty("probability").GetDouble(), errors

              let c1, p1, _ = run "cpu"
              let c2, p2, errors = run "ilgpu-cpu"
              Expect.equal c2 c1 "the same class"
              Expect.isLessThan (abs (p2 - p1)) 1e-5 (sprintf "the same probability (%.10f vs %.10f)" p2 p1)
              Expect.stringContains errors "engine: ILGPU" "the engine is named on stderr"

              if List.isEmpty (Gpu.cudaDevices ()) then
                  let code, _, errors =
                      runProcess (Path.GetTempPath()) "dotnet" [ cli; "classify"; "--engine"; "gpu" ] 300

                  Expect.equal code 2 "no GPU: exit 2"
                  Expect.stringContains errors "--engine gpu: no CUDA device" "a clear message"
          } ]

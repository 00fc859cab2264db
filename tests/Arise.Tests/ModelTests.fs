module Arise.Tests.ModelTests

open System
open Arise.Numerics
open System.IO
open Expecto
open Arise.Structure
open Arise.Model
open Arise.Tests.Common

let private randomMatrix (rng: Random) n =
    Array.init n (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))

/// A tiny library from our own builders: fcc Cu, bcc Fe and a (6,0) nanotube.
let private tinyLibrary () =
    let proto name kind s =
        { Name = name
          MaterialType = kind
          File = "(built)"
          Structure = s }

    { Prototypes =
        [ proto "fcc_Cu" "Elemental_solids" (Crystals.fcc 29 3.61)
          proto "bcc_Fe" "Elemental_solids" (Crystals.bcc 26 2.87)
          proto "cnt_6_0" "Nanotubes" (Nanotube.build 1.42 6 0 (Nanotube.cellsFor 100 6 0)) ]
      Errors = [] }

/// The tiny model's training settings.
let private tinyOptions =
    { Training.ariseOptions with
        Hidden = [| 32; 32 |]
        MaxEpochs = 40
        Patience = None
        LearningRate = 3e-3
        Seed = 7 }

let tinyModel =
    lazy
        (let dir =
            Path.Combine(Path.GetTempPath(), "arise-tiny-" + Guid.NewGuid().ToString("N"))

         let set, errors =
             TrainingSet.generate (tinyLibrary ()) dir 2 (fun _ _ -> ()) Threading.CancellationToken.None

         Directory.Delete(dir, true)

         if not errors.IsEmpty then
             failwithf "generation errors: %A" errors

         let options = tinyOptions

         let all = [| 0 .. set.Rows - 1 |]

         let net, info =
             Training.train options set all [||] ignore Threading.CancellationToken.None

         let meta = Training.metadata set options info
         set, { Network = net; Metadata = meta })

[<Tests>]
let tests =
    testList
        "model"
        [ testProperty "the SIMD matrix product equals the definition for every transpose and odd shapes"
          <| fun (seed: int) ->
              let rng = Random(seed)
              let m, n, k = 1 + rng.Next 70, 1 + rng.Next 70, 1 + rng.Next 300

              for tA in [ false; true ] do
                  for tB in [ false; true ] do
                      let a = randomMatrix rng (m * k)
                      let b = randomMatrix rng (k * n)
                      let c = randomMatrix rng (m * n)
                      let c0 = Array.copy c
                      Gemm.multiply 2 tA tB m n k a b c true
                      let r = Gemm.reference tA tB m n k a b

                      for i in 0 .. m * n - 1 do
                          Expect.floatClose
                              { absolute = 1e-4; relative = 1e-4 }
                              (float c.[i])
                              (float (r.[i] + c0.[i]))
                              (sprintf "C[%d] (%b,%b) %dx%dx%d" i tA tB m n k)

          test "the matrix product is right across several row, column and depth blocks, on two threads" {
              // m spans two row blocks (96 rows each) plus an edge, n more than one column block (2048), k three depth
              // blocks (256): every blocking loop and every edge of the micro-tile is crossed
              let rng = Random(3)
              let m, n, k = 197, 2061, 529
              let a = randomMatrix rng (m * k)
              let b = randomMatrix rng (k * n)
              let c = Array.zeroCreate (m * n)
              Gemm.multiply 2 false false m n k a b c false
              let r = Gemm.reference false false m n k a b

              let worst =
                  Array.map2 (fun (x: float32) (y: float32) -> abs (float x - float y) / (1.0 + abs (float y))) c r
                  |> Array.max

              Expect.isLessThan worst 1e-4 "largest relative error"
          }

          test "dropout drops each input independently with the set rate and scales the kept ones by 1/(1-p)" {
              let arch =
                  { Inputs = 316
                    Hidden = [| 64 |]
                    Classes = 5
                    DropoutRate = 0.0317 }

              let net = Network.create 1 arch
              let rows = 2000
              let rng = Random(5)
              let x = Array.init (rows * 316) (fun _ -> float32 (rng.NextDouble() + 0.5))
              let ws = Workspace(net, rows)
              Network.forward 1 ws net x rows (Some(MaskRng 11L)) |> ignore
              let mask = ws.Masks.[0].[.. rows * 316 - 1]
              let n = float mask.Length
              let p = arch.DropoutRate
              let dropped = mask |> Array.filter ((=) 0.0f) |> Array.length |> float
              let sd = sqrt (n * p * (1.0 - p))
              Expect.isLessThan (abs (dropped - n * p)) (5.0 * sd) (sprintf "%.0f dropped, expected %.0f ± %.0f" dropped (n * p) sd)
              // independence: neighbouring pairs both dropped with probability p²
              let pairs =
                  Seq.pairwise mask
                  |> Seq.filter (fun (a, b) -> a = 0.0f && b = 0.0f)
                  |> Seq.length
                  |> float

              let expectedPairs = (n - 1.0) * p * p

              Expect.isLessThan
                  (abs (pairs - expectedPairs))
                  (5.0 * sqrt expectedPairs)
                  (sprintf "%.0f adjacent pairs dropped, expected %.0f" pairs expectedPairs)

              let keep = float32 (1.0 / (1.0 - p))

              for k in 0 .. mask.Length - 1 do
                  if mask.[k] <> 0.0f then
                      Expect.equal mask.[k] keep "kept inputs are scaled by 1/(1-p)"

                  Expect.equal ws.Acts.[0].[k] (x.[k] * mask.[k]) "the layer's input is x times its mask"
              // the hidden layer's input is ReLU of the first layer's output times its own mask
              let z = ws.Z.[0]

              for k in 0 .. rows * 64 - 1 do
                  Expect.equal ws.Acts.[1].[k] ((max z.[k] 0.0f) * ws.Masks.[1].[k]) "ReLU then dropout"
          }

          test "a Monte Carlo pass without stored masks gives the training pass's logits for the same generator" {
              let arch =
                  { Inputs = 316
                    Hidden = [| 64; 32 |]
                    Classes = 5
                    DropoutRate = 0.2 }

              let net = Network.create 3 arch
              let rows = 300
              let rng = Random(8)
              let x = Array.init (rows * 316) (fun _ -> float32 (rng.NextDouble() - 0.3))
              let ws1 = Workspace(net, rows)
              let ws2 = Workspace(net, rows)
              let trained = Network.forward 1 ws1 net x rows (Some(MaskRng 17L)) |> Array.copy
              let sampled = Network.sample 1 ws2 net x rows (MaskRng 17L)
              Expect.equal sampled.[.. rows * 5 - 1] trained.[.. rows * 5 - 1] "bit-identical logits"
              Expect.isTrue (ws2.Masks |> Array.forall (Array.forall ((=) 0.0f))) "no mask written"
              let other = Network.sample 1 ws2 net x rows (MaskRng 18L)
              Expect.notEqual other.[.. rows * 5 - 1] trained.[.. rows * 5 - 1] "another generator, other masks"
          }

          test "softmax rows are exp(z − max) normalised, written from the requested row on" {
              let rng = Random(2)
              let rows, classes = 7, 108

              let z =
                  Array.init (rows * classes) (fun _ -> float32 (rng.NextDouble() * 40.0 - 20.0))

              let probs = Array.create ((rows + 3) * classes) -1.0f
              Network.softmaxInto z rows classes probs 3

              for r in 0 .. rows - 1 do
                  let row = z.[r * classes .. (r + 1) * classes - 1] |> Array.map float
                  let m = Array.max row
                  let e = row |> Array.map (fun v -> exp (v - m))
                  let s = Array.sum e

                  for c in 0 .. classes - 1 do
                      Expect.floatClose
                          { absolute = 1e-7; relative = 1e-5 }
                          (float probs.[(r + 3) * classes + c])
                          (e.[c] / s)
                          "softmax value"

              Expect.isTrue (probs.[.. 3 * classes - 1] |> Array.forall ((=) -1.0f)) "rows before firstRow untouched"
          }

          test "backpropagation agrees with finite differences" {
              let arch =
                  { Inputs = 6
                    Hidden = [| 5; 4 |]
                    Classes = 3
                    DropoutRate = 0.0 }

              let net = Network.create 3 arch
              let rng = Random(5)
              let rows = 4
              let x = randomMatrix rng (rows * 6)
              let y = [| 0; 2; 1; 2 |]
              let ws = Workspace(net, rows)

              let lossOf () =
                  fst (Network.gradients 1 (Workspace(net, rows)) net x y rows None) / float rows

              Network.gradients 1 ws net x y rows None |> ignore
              let mutable checkedCount = 0

              for li in 0 .. net.Layers.Length - 1 do
                  let w = net.Layers.[li].Weights

                  for k in 0 .. w.Length - 1 do
                      let g = float ws.GradW.[li].[k]
                      let old = w.[k]
                      let h = 1e-2f
                      w.[k] <- old + h
                      let lp = lossOf ()
                      w.[k] <- old - h
                      let lm = lossOf ()
                      w.[k] <- old
                      let fd = (lp - lm) / (2.0 * float h)
                      Expect.floatClose { absolute = 2e-3; relative = 2e-2 } g fd (sprintf "layer %d weight %d" li k)
                      checkedCount <- checkedCount + 1

              Expect.isGreaterThan checkedCount 50 "weights checked"
          }

          test "mutual information and entropy match hand-computed values" {
              let disagree = Prediction.summarise [| [| 1.0; 0.0 |]; [| 0.0; 1.0 |] |]
              Expect.floatClose Accuracy.veryHigh disagree.Entropy (log 2.0) "H[mean] = ln 2"
              Expect.floatClose Accuracy.veryHigh disagree.MutualInformation (log 2.0) "MI = ln 2 − 0"

              let agree =
                  Prediction.summarise [| [| 0.2; 0.8 |]; [| 0.2; 0.8 |]; [| 0.2; 0.8 |] |]

              Expect.floatClose Accuracy.veryHigh agree.MutualInformation 0.0 "MI = 0 when all passes agree"
              Expect.floatClose Accuracy.veryHigh agree.Entropy (-(0.2 * log 0.2 + 0.8 * log 0.8)) "entropy"
              let mixed = Prediction.summarise [| [| 0.5; 0.5; 0.0 |]; [| 0.1; 0.6; 0.3 |] |]
              let mean = [| 0.3; 0.55; 0.15 |]

              let h (p: float[]) =
                  -(p |> Array.sumBy (fun v -> if v > 0.0 then v * log v else 0.0))

              Expect.floatClose
                  Accuracy.veryHigh
                  mixed.MutualInformation
                  (h mean - (h [| 0.5; 0.5; 0.0 |] + h [| 0.1; 0.6; 0.3 |]) / 2.0)
                  "MI"

              Expect.floatClose Accuracy.veryHigh (Array.sum mixed.Probabilities) 1.0 "sums to 1"
          }

          test "AUROC counts the pairs a score orders right (ties half); the FPR at a recall counts negatives at the threshold" {
              // 3 vs {1, 2, 3}: 1 + 1 + ½; 4 and 5: 3 each → 8.5 of 9 pairs
              Expect.floatClose Accuracy.veryHigh (Uncertainty.auroc [| 3.0; 4.0; 5.0 |] [| 1.0; 2.0; 3.0 |]) (8.5 / 9.0) "by hand"
              Expect.equal (Uncertainty.auroc [| 2.0; 3.0 |] [| 0.0; 1.0 |]) 1.0 "separated"
              Expect.equal (Uncertainty.auroc [| 0.0; 1.0 |] [| 2.0; 3.0 |]) 0.0 "reversed"
              Expect.equal (Uncertainty.auroc [| 1.0; 1.0 |] [| 1.0 |]) 0.5 "all tied"
              Expect.isTrue (Double.IsNaN(Uncertainty.auroc [||] [| 1.0 |])) "no positives: NaN"
              let rng = Random 4
              let pos = Array.init 300 (fun _ -> float (rng.Next 20) + 3.0)
              let neg = Array.init 200 (fun _ -> float (rng.Next 20))

              let pairs =
                  Array.sum
                      [| for p in pos do
                             for n in neg ->
                                 if p > n then 1.0
                                 elif p = n then 0.5
                                 else 0.0 |]

              Expect.floatClose Accuracy.high (Uncertainty.auroc pos neg) (pairs / 60000.0) "every pair counted, with ties"
              Expect.floatClose Accuracy.high (Uncertainty.auroc neg pos) (1.0 - pairs / 60000.0) "swapped: 1 − AUROC"
              // recall 2/3 of {3, 4, 5} flags ≥ 4: no negative; recall 1 flags ≥ 3: one of three negatives
              let fpr r =
                  Uncertainty.falsePositiveRate r [| 3.0; 4.0; 5.0 |] [| 1.0; 2.0; 3.0 |]

              Expect.equal (fpr 0.66) 0.0 "recall 2/3"
              Expect.equal (fpr 1.0) (1.0 / 3.0) "recall 1"
              Expect.equal (fpr 0.95) (1.0 / 3.0) "95 % of three positives needs all three"
          }

          test "uncertainty levels split the mutual information at 0.03, 0.1 and 0.3, and the calibration counts per level" {
              let levels =
                  [ 0.0; 0.029; 0.03; 0.099; 0.1; 0.299; 0.3; 2.0 ] |> List.map Uncertainty.level

              Expect.equal levels [ Low; Low; Moderate; Moderate; High; High; VeryHigh; VeryHigh ] "bounds"

              let table =
                  Uncertainty.calibration [ 0.01, true; 0.02, false; 0.05, true; 0.5, false; 0.6, false; 0.4, true ]

              Expect.equal table [| Low, 2, 1; Moderate, 1, 0; High, 0, 0; VeryHigh, 3, 2 |] "structures and wrong ones per level"
              Expect.equal (Uncertainty.name VeryHigh) "very high" "named"
          }

          test "a small model trains to 100 % on its pristine data, and MC predictions sum to 1" {
              let set, model = tinyModel.Force()
              Expect.equal set.Rows (3 * 4 * 99 - 99 * 3) "fcc, bcc: 4 structures each; nanotube 1; × 99 settings"
              let acc = Training.accuracy 1 model.Network set [| 0 .. set.Rows - 1 |]
              Expect.equal acc 1.0 "training accuracy"
              let x = set.X.[0 .. 3 * set.Dimension - 1]
              let preds = Prediction.monteCarlo 2 11 50 model.Network x 3

              for p in preds do
                  Expect.floatClose Accuracy.high (Array.sum p.Probabilities) 1.0 "probabilities sum to 1"
                  Expect.isGreaterThanOrEqual p.MutualInformation 0.0 "MI ≥ 0"
          }

          test "save then load gives identical predictions; damaged files give clear errors" {
              let set, model = tinyModel.Force()

              let path =
                  Path.Combine(Path.GetTempPath(), "arise-model-" + Guid.NewGuid().ToString("N") + ".model")

              try
                  ModelFile.save path model
                  let back = ModelFile.load path |> ok "load"
                  Expect.equal back.Metadata.Classes model.Metadata.Classes "classes"
                  let x = set.X.[0 .. 5 * set.Dimension - 1]
                  let p1 = Prediction.monteCarlo 1 3 20 model.Network x 5
                  let p2 = Prediction.monteCarlo 1 3 20 back.Network x 5

                  Expect.equal
                      (p2 |> Array.map (fun p -> p.Probabilities))
                      (p1 |> Array.map (fun p -> p.Probabilities))
                      "same seed, same predictions"

                  let bytes = File.ReadAllBytes path
                  let flipped = Array.copy bytes
                  flipped.[bytes.Length / 2] <- flipped.[bytes.Length / 2] ^^^ 0xFFuy
                  Expect.stringContains (ModelFile.ofBytes "m" flipped |> err "flipped") "checksum" "corruption detected"
                  Expect.isError (ModelFile.ofBytes "m" bytes.[.. bytes.Length / 3]) "truncated"
                  let wrongVersion = Array.copy bytes
                  wrongVersion.[8] <- 99uy
                  Expect.stringContains (ModelFile.ofBytes "m" wrongVersion |> err "version") "version 99" "version named"
                  Expect.stringContains (ModelFile.ofBytes "m" "hello"B |> err "junk") "not an Arise model" "junk"
                  // a file written before TrainingInfo.AveragingEpochs existed: the same bytes without that JSON field
                  let jsonLength = BitConverter.ToInt32(bytes, 12)
                  let json = Text.Encoding.UTF8.GetString(bytes, 16, jsonLength)

                  let older =
                      Text.RegularExpressions.Regex.Replace(json, "\\s*\"AveragingEpochs\":\\s*[-0-9.eE+]+,", "")

                  Expect.notEqual older json "the field was there to remove"
                  let olderJson = Text.Encoding.UTF8.GetBytes older

                  let body =
                      Array.concat
                          [ bytes.[..11]
                            BitConverter.GetBytes olderJson.Length
                            olderJson
                            bytes.[16 + jsonLength .. bytes.Length - 33] ]

                  let old =
                      ModelFile.ofBytes "old" (Array.append body (Security.Cryptography.SHA256.HashData body))
                      |> ok "older file"

                  Expect.equal old.Metadata.Training.AveragingEpochs 0.0 "an older file reads as raw weights"
                  Expect.equal (Network.weightsHash old.Network) (Network.weightsHash model.Network) "same weights"
              finally
                  if File.Exists path then
                      File.Delete path
          }

          test "models with non-finite weights or inconsistent metadata are refused on load, naming the problem" {
              let _, model = tinyModel.Force()

              let dir =
                  Path.Combine(Path.GetTempPath(), "arise-models-" + Guid.NewGuid().ToString("N"))

              Directory.CreateDirectory dir |> ignore

              let refused (what: string) (m: Model) (expected: string) =
                  let path = Path.Combine(dir, "m.model")
                  ModelFile.save path m
                  let e = ModelFile.load path |> err what
                  Expect.stringContains e expected what

              let withWeight (v: float32) =
                  let layers = Array.copy model.Network.Layers
                  let w = Array.copy layers.[1].Weights
                  w.[3] <- v
                  layers.[1] <- { layers.[1] with Weights = w }

                  { model with
                      Network = { model.Network with Layers = layers } }

              refused "a NaN weight" (withWeight nanf) "layer 2 are not all finite"
              refused "an infinite weight" (withWeight infinityf) "not all finite"
              let meta = model.Metadata

              refused
                  "dropout 1"
                  { model with
                      Metadata = { meta with DropoutRate = 1.0 } }
                  "dropout rate 1"

              refused
                  "dropout -0.5"
                  { model with
                      Metadata = { meta with DropoutRate = -0.5 } }
                  "dropout rate -0.5"

              refused
                  "fewer material types"
                  { model with
                      Metadata =
                          { meta with
                              MaterialTypes = meta.MaterialTypes.[1..] } }
                  "material types"

              refused
                  "no classes"
                  { model with
                      Metadata = { meta with Classes = null } }
                  "class list"

              refused
                  "no descriptor settings"
                  { model with
                      Metadata =
                          { meta with
                              Descriptor = Unchecked.defaultof<_> } }
                  "descriptor"

              let d = meta.Descriptor

              refused
                  "a bad d_NN rule"
                  { model with
                      Metadata =
                          { meta with
                              Descriptor = { d with Dnn = "nearest" } } }
                  "nearest"

              refused
                  "a negative cutoff"
                  { model with
                      Metadata =
                          { meta with
                              Descriptor = { d with Cutoff = -4.0 } } }
                  "cutoff"

              refused
                  "a huge hidden layer"
                  { model with
                      Metadata =
                          { meta with
                              Hidden = [| 32; 1_000_000 |] } }
                  "hidden layer sizes"
              // raw damage with a valid checksum: metadata length and layer count out of range are errors, not exceptions
              let path = Path.Combine(dir, "good.model")
              ModelFile.save path model
              let bytes = File.ReadAllBytes path
              let body = bytes.[.. bytes.Length - 33]

              let resealed (patch: byte[] -> unit) =
                  let b = Array.copy body
                  patch b
                  Array.append b (Security.Cryptography.SHA256.HashData b)

              for length in [ -5; Int32.MaxValue; 1 ] do
                  let damaged = resealed (fun b -> BitConverter.GetBytes(length).CopyTo(b, 12))
                  let e = ModelFile.ofBytes "m" damaged |> err (sprintf "metadata length %d" length)
                  Expect.stringContains e "m: " (sprintf "a clear error for metadata length %d: %s" length e)

              let jsonLength = BitConverter.ToInt32(body, 12)

              for count in [ -1; 1_000_000 ] do
                  let damaged =
                      resealed (fun b -> BitConverter.GetBytes(count).CopyTo(b, 16 + jsonLength))

                  let e = ModelFile.ofBytes "m" damaged |> err (sprintf "layer count %d" count)
                  Expect.stringContains e "layers" (sprintf "layer count %d: %s" count e)
          }

          test "every shipped model recognises every pristine test structure of the library with its own d_NN rule" {
              withData (fun data ->
                  let models =
                      Directory.GetFiles(Path.Combine(repositoryRoot.Value, "models"), "*.model")
                      |> Array.sort

                  Expect.isTrue (models |> Array.exists (fun f -> Path.GetFileName f = "arise-108.model")) "the embedded model is shipped"

                  let lib = Prototypes.load (Path.Combine(data, "prototypes"))

                  let items =
                      [| for p in lib.Prototypes do
                             for version, s in TrainingSet.testStructures p -> p.Name, version, s |]

                  Expect.equal items.Length 588 "the 588 test structures"
                  // the descriptors once per descriptor setting, not once per model; each structure then classified alone
                  let described =
                      Collections.Generic.Dictionary<DescriptorSettings, Result<float32[], string>[]>()

                  for file in models do
                      let model = ModelFile.load file |> ok file
                      let settings = model.Metadata.Descriptor

                      if not (described.ContainsKey settings) then
                          described.[settings] <- Classifier.describe (Pipeline.ofModel model) (items |> Array.map (fun (_, _, s) -> s))

                      let results =
                          Classifier.classifyEachDescribed Environment.ProcessorCount 1 30 (Pipeline.ofModel model) described.[settings]

                      let wrong =
                          Array.zip items results
                          |> Array.choose (fun ((name, version, _), r) ->
                              match r with
                              | Ok c when model.Metadata.Classes.[fst c.Ranked.[0]] = name -> None
                              | Ok c -> Some(sprintf "%s %s → %s" name version model.Metadata.Classes.[fst c.Ranked.[0]])
                              | Error e -> Some(sprintf "%s %s: %s" name version e))

                      printfn
                          "%s (dropout %g, d_NN rule %s): %d of %d pristine test structures right"
                          (Path.GetFileName file)
                          model.Network.Architecture.DropoutRate
                          model.Metadata.Descriptor.Dnn
                          (items.Length - wrong.Length)
                          items.Length

                      Expect.isEmpty wrong (sprintf "%s: misclassified" file))
          }

          test "classifyEach: a structure's probabilities do not depend on the other structures of the batch" {
              let _, model = tinyModel.Force()
              let bcc = Crystals.bcc 26 2.87 |> Supercell.finite 5 5 5
              let fcc = Crystals.fcc 29 3.61 |> Supercell.finite 4 4 4
              let alone = Classifier.classifyEach 2 7 20 (Pipeline.ofModel model) [| bcc |]

              let batch =
                  Classifier.classifyEach 2 7 20 (Pipeline.ofModel model) [| fcc; fcc; bcc; fcc |]

              let probs (r: Result<Classification, string>) =
                  (r |> ok "classified").Prediction.Probabilities

              Expect.equal (probs batch.[2]) (probs alone.[0]) "same seed and T: the same numbers, wherever it stands"
              Expect.equal (probs batch.[0]) (probs batch.[1]) "the same structure twice: the same result"

              Expect.equal
                  (probs alone.[0])
                  (probs (Classifier.classify 2 7 20 (Pipeline.ofModel model) [| bcc |]).[0])
                  "as classify on it alone"
          }

          test "classify reports bad structures per structure and still classifies the others" {
              let _, model = tinyModel.Force()
              let good = Crystals.bcc 26 2.87 |> Supercell.finite 5 5 5
              let one = Structure.cluster [| Vec3.zero |] [| 26 |]

              let point =
                  Structure.cluster (Array.create 10 (Vec3.make 1.0 1.0 1.0)) (Array.create 10 26)

              let results =
                  Classifier.classify 2 1 30 (Pipeline.ofModel model) [| one; good; point |]

              Expect.isError results.[0] "one atom"
              Expect.isError results.[2] "all atoms at one point"

              match results.[1] with
              | Ok c -> Expect.equal model.Metadata.Classes.[fst c.Ranked.[0]] "bcc_Fe" "bcc recognised"
              | Error e -> failtestf "bcc failed: %s" e
          }

          test "the training set round-trips through .npz and splits 80/20 per class" {
              let set, _ = tinyModel.Force()

              let path =
                  Path.Combine(Path.GetTempPath(), "arise-set-" + Guid.NewGuid().ToString("N") + ".npz")

              try
                  TrainingSet.save path set
                  let back = TrainingSet.load path |> ok "load"
                  Expect.equal back.X set.X "x"
                  Expect.equal back.Y set.Y "y"
                  Expect.equal back.Classes set.Classes "classes"
                  Expect.equal back.Version set.Version "versions"
              finally
                  if File.Exists path then
                      File.Delete path

              let tr, va = TrainingSet.split 1 0.8 set.Y
              Expect.equal (tr.Length + va.Length) set.Rows "all rows used"

              for c in 0 .. set.Classes.Length - 1 do
                  let n = set.Y |> Array.filter ((=) c) |> Array.length
                  let nt = tr |> Array.filter (fun r -> set.Y.[r] = c) |> Array.length
                  Expect.equal nt (int (Math.Round(0.8 * float n))) "stratified"
          }

          test "the selection set holds every test structure at each defect level and realisation, reproducibly" {
              let lib = tinyLibrary ()

              let a, errors =
                  TrainingSet.selectionSet lib TrainingSet.selectionLevels 2 2 (fun _ _ -> ()) Threading.CancellationToken.None

              Expect.isEmpty errors "no failures"

              let structures =
                  lib.Prototypes |> List.sumBy (fun p -> (TrainingSet.testStructures p).Length)

              Expect.equal a.Rows (structures * TrainingSet.selectionLevels.Length * 2) "structures × levels × realisations"

              let perClass =
                  lib.Prototypes
                  |> List.map (fun p -> (TrainingSet.testStructures p).Length * TrainingSet.selectionLevels.Length * 2)

              Expect.equal (a.Y |> Array.countBy id |> Array.map snd |> List.ofArray) perClass "labels follow the classes"

              let b, _ =
                  TrainingSet.selectionSet lib TrainingSet.selectionLevels 2 1 (fun _ _ -> ()) Threading.CancellationToken.None

              Expect.equal b.X a.X "same seeds, same descriptors (whatever the thread count)"

              let row r =
                  a.X.[r * a.Dimension .. (r + 1) * a.Dimension - 1]

              Expect.isTrue (a.X |> Array.forall Single.IsFinite) "finite"
              // realisations 0 and 1 of δ 0.6 % on the first structure are different random displacements
              Expect.notEqual (row 2) (row 3) "two realisations differ"

              for r in 0 .. a.Rows - 1 do
                  Expect.isGreaterThan (row r |> Array.sumBy (fun v -> v * v)) 0.5f "a normalised descriptor, not zero"
          }

          test "training with a checkpoint selection keeps the epoch with the best selection score" {
              let set, _ = tinyModel.Force()
              let lib = tinyLibrary ()

              let defective, _ =
                  TrainingSet.selectionSet lib TrainingSet.tableLevels 1 2 (fun _ _ -> ()) Threading.CancellationToken.None

              let selection =
                  { Defective = defective
                    Level = TrainingSet.selectionLevelOfRows TrainingSet.tableLevels.Length 1 defective.Rows
                    Score = Pooled
                    PristineRows = TrainingSet.predictionSettingRows set }

              Expect.equal
                  selection.PristineRows.Length
                  (lib.Prototypes |> List.sumBy (fun p -> (TrainingSet.structures p).Length))
                  "one pristine row per structure"

              let tr, va = TrainingSet.split 3 0.8 set.Y

              let options =
                  { Training.ariseOptions with
                      Hidden = [| 16 |]
                      MaxEpochs = 12
                      Patience = None
                      LearningRate = 1e-3
                      Seed = 3 }

              let reports = ResizeArray()

              let net, info =
                  Training.trainSelecting options set tr va (Some selection) reports.Add Threading.CancellationToken.None

              Expect.equal reports.Count 12 "every epoch reported"

              let scoreOf (r: EpochReport) =
                  let p, d = r.Selection.Value
                  10.0 * p + r.ValidationAccuracy + d

              let bests = reports |> Seq.filter (fun r -> r.IsBest) |> List.ofSeq

              for (a, b) in List.pairwise bests do
                  Expect.isGreaterThanOrEqual
                      (scoreOf b)
                      (scoreOf a - 0.011)
                      "each new best scores higher (up to the probability tie-break)"

              let last = List.last bests
              Expect.equal info.BestEpoch last.Epoch "the kept epoch is the last best"
              let p, d = last.Selection.Value

              Expect.floatClose
                  Accuracy.high
                  (Training.confidentAccuracy 1 100 0.05 net set selection.PristineRows)
                  p
                  "kept weights give the reported pristine accuracy"

              Expect.floatClose
                  Accuracy.high
                  (Training.accuracy 1 net defective [| 0 .. defective.Rows - 1 |])
                  d
                  "and the reported defective accuracy"

              Expect.floatClose
                  Accuracy.high
                  (Training.accuracy 1 net set va)
                  info.ValidationAccuracy
                  "and the recorded validation accuracy"
          }

          test "the per-level selection term counts halving the errors the same at every level" {
              let n = [| 1000; 1000; 1000 |]
              let base' = Training.perLevelTerm [| 3; 59; 0 |] n
              let fewerVacancyMisses = Training.perLevelTerm [| 1; 59; 0 |] n // 4 → 2 (add-one smoothed)
              let fewerDisplacementMisses = Training.perLevelTerm [| 3; 29; 0 |] n // 60 → 30
              Expect.floatClose Accuracy.high (fewerVacancyMisses - base') (fewerDisplacementMisses - base') "same gain"
              Expect.floatClose Accuracy.high (fewerVacancyMisses - base') (log 2.0 / 30.0) "ln 2 / (10 × levels)"
              Expect.isGreaterThan (Training.perLevelTerm [| 0; 0; 0 |] n) fewerVacancyMisses "no misses scores highest"
              Expect.floatClose Accuracy.high (Training.perLevelTerm [| 0; 0; 0 |] n) (log 1001.0 / 10.0) "ln(n + 1) / 10 when perfect"
              // one pristine miss of 396 (10/396 of the score) outweighs a level going from all wrong to all right
              Expect.isLessThan
                  (Training.perLevelTerm [| 0; 0; 0 |] n - Training.perLevelTerm [| 1000; 0; 0 |] n)
                  (10.0 / 396.0 * 20.0)
                  "bounded"
          }

          test "misses per selection level add up to the pooled defective accuracy" {
              let set, _ = tinyModel.Force()
              let lib = tinyLibrary ()

              let defective, _ =
                  TrainingSet.selectionSet lib TrainingSet.tableLevels 1 2 (fun _ _ -> ()) Threading.CancellationToken.None

              let net =
                  Network.create
                      5
                      { Inputs = set.Dimension
                        Hidden = [| 8 |]
                        Classes = set.Classes.Length
                        DropoutRate = 0.0 }

              let sel =
                  { Defective = defective
                    Level = TrainingSet.selectionLevelOfRows TrainingSet.tableLevels.Length 1 defective.Rows
                    Score = PerLevel
                    PristineRows = [||] }

              let misses, sizes, _ = Training.levelMisses 1 net sel
              Expect.equal misses.Length TrainingSet.tableLevels.Length "one count per level"
              let perLevel = defective.Rows / TrainingSet.tableLevels.Length
              Expect.equal sizes (Array.create TrainingSet.tableLevels.Length perLevel) "every level holds each test structure once"
              // the level of a row, read back from the version label the set gives it
              for r in 0 .. defective.Rows - 1 do
                  let eta, delta = TrainingSet.tableLevels.[sel.Level.[r]]
                  Expect.stringContains defective.Version.[r] (sprintf "eta %g delta %g" (100.0 * eta) (100.0 * delta)) "level of the row"

              let acc = Training.accuracy 1 net defective [| 0 .. defective.Rows - 1 |]
              Expect.floatClose Accuracy.high (1.0 - float (Array.sum misses) / float defective.Rows) acc "pooled accuracy"
          }

          test "a moving average of the weights moves each weight the given fraction towards the network's" {
              let arch =
                  { Inputs = 5
                    Hidden = [| 4 |]
                    Classes = 3
                    DropoutRate = 0.0 }

              let a, n = Network.create 1 arch, Network.create 2 arch
              let a0 = Network.copy a
              Network.moveAverage a n 0.25f

              for i in 0 .. a.Layers.Length - 1 do
                  for k in 0 .. a.Layers.[i].Weights.Length - 1 do
                      let expected =
                          a0.Layers.[i].Weights.[k]
                          + 0.25f * (n.Layers.[i].Weights.[k] - a0.Layers.[i].Weights.[k])

                      Expect.floatClose Accuracy.high (float a.Layers.[i].Weights.[k]) (float expected) "weight"

              Network.moveAverage a n 1.0f

              for i in 0 .. a.Layers.Length - 1 do
                  for k in 0 .. a.Layers.[i].Bias.Length - 1 do
                      Expect.floatClose
                          Accuracy.high
                          (float a.Layers.[i].Bias.[k])
                          (float n.Layers.[i].Bias.[k])
                          "weight 1 reaches the network"
          }

          test "training with weight averaging keeps the averaged weights, which score the recorded validation accuracy" {
              let set, _ = tinyModel.Force()
              let tr, va = TrainingSet.split 3 0.8 set.Y

              let options =
                  { Training.ariseOptions with
                      Hidden = [| 16 |]
                      MaxEpochs = 30
                      Patience = None
                      LearningRate = 3e-3
                      Seed = 3 }

              let raw, _ =
                  Training.train options set tr va ignore Threading.CancellationToken.None

              let reports = ResizeArray()

              let averaged, info =
                  Training.train { options with AveragingEpochs = 2.0 } set tr va reports.Add Threading.CancellationToken.None

              Expect.notEqual (Network.weightsHash averaged) (Network.weightsHash raw) "the kept weights are not the raw run's"

              Expect.floatClose
                  Accuracy.high
                  (Training.accuracy 1 averaged set va)
                  info.ValidationAccuracy
                  "the kept (averaged) weights give the recorded validation accuracy"

              Expect.isGreaterThan
                  info.ValidationAccuracy
                  (Training.accuracy 1 raw set va - 0.05)
                  "and the averaged network has learned the classes as well as the raw one"
          }

          test "a class added to a trained model: old classes ranked as before at the start, all classes learned after" {
              let set, _ = tinyModel.Force()
              // a model of fcc and the nanotube, then bcc added (labels 0, 1 kept, bcc becomes 2)
              let known = TrainingSet.select [| "fcc_Cu"; "cnt_6_0" |] [ set ] |> ok "select"

              let all =
                  TrainingSet.select [| "fcc_Cu"; "cnt_6_0"; "bcc_Fe" |] [ known; set ]
                  |> ok "select"

              Expect.equal all.Rows set.Rows "every row once: the known rows, then bcc's"
              Expect.equal all.MaterialTypes [| "Elemental_solids"; "Nanotubes"; "Elemental_solids" |] "material types"
              Expect.equal all.X.[0 .. known.X.Length - 1] known.X "the known rows first, in their order"
              Expect.equal (all.Y |> Array.countBy id |> Array.map fst) [| 0; 1; 2 |] "labels in the new order"

              match TrainingSet.select [| "fcc_Cu"; "hcp_Mg" |] [ set ] with
              | Error e -> Expect.stringContains e "hcp_Mg" "a class without data is named"
              | Ok _ -> failtest "a class without data must be refused"

              let options =
                  { tinyOptions with
                      MaxEpochs = 20
                      Seed = 5 }

              let rows t = [| 0 .. (t: TrainingSet).Rows - 1 |]

              let old, _ =
                  Training.train options known (rows known) [||] ignore Threading.CancellationToken.None

              let wide = Network.addClasses 9 1 old
              Expect.equal wide.Architecture.Classes 3 "one more class"
              let x = known.X
              let p2 = Prediction.deterministic 1 old x known.Rows
              let p3 = Prediction.deterministic 1 wide x known.Rows

              for r in 0 .. known.Rows - 1 do
                  let a, b = p3.[3 * r], p3.[3 * r + 1]
                  Expect.floatClose Accuracy.low (float (a / (a + b))) (float p2.[2 * r]) "old classes' odds unchanged"

              // one epoch at a vanishing learning rate keeps the start: the plumbing starts from the given weights
              let still, _ =
                  Training.train
                      { options with
                          MaxEpochs = 1
                          LearningRate = 1e-12
                          Start = Some wide }
                      all
                      (rows all)
                      [||]
                      ignore
                      Threading.CancellationToken.None

              let q = Prediction.deterministic 1 still x known.Rows
              let moved = Array.map2 (fun (u: float32) v -> abs (u - v)) q p3 |> Array.max
              Expect.isLessThan moved 1e-5f "the start's predictions kept"

              let tr, va = TrainingSet.split 5 0.8 all.Y

              let added, info =
                  Training.train { options with Start = Some wide } all tr va ignore Threading.CancellationToken.None

              let pristine = TrainingSet.predictionSettingRows all
              Expect.equal (Training.accuracy 1 added all pristine) 1.0 "every pristine structure of the three classes right"
              Expect.isGreaterThan (Training.accuracy 1 added all (rows all)) 0.99 "> 99 % of all rows (every R_C, σ, scale)"
              Expect.isGreaterThan info.ValidationAccuracy 0.99 "validation"

              Expect.throwsC
                  (fun () ->
                      Training.train { options with Start = Some old } all tr va ignore Threading.CancellationToken.None
                      |> ignore)
                  (fun e -> Expect.stringContains e.Message "-2, the training set" "a start of the wrong shape is named")
          } ]

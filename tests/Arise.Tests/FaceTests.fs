/// The library face (assembly Arise): Structures, Recognizer, SpmMap, ClusterMap, Charts, and the C# sample.
module Arise.Tests.FaceTests

open System
open System.IO
open System.Threading
open Expecto
open Plotly.NET
open Arise
open Arise.Structure
open Arise.Model
open Arise.Tests.Common

let private raisesArise (what: string) (f: unit -> 'T) : AriseException =
    try
        f () |> ignore
        failtestf "%s: expected an AriseException" what
    with :? AriseException as e ->
        e

[<Tests>]
let tests =
    testList
        "face"
        [ test "the embedded model is models/arise-108.model, weight for weight" {
              let file = Path.Combine(repositoryRoot.Value, "models", "arise-108.model")
              let fromFile = ModelFile.load file |> ok file
              let embedded = Recognizer.Default.Model
              Expect.equal (Network.weightsHash embedded.Network) (Network.weightsHash fromFile.Network) "same weights"
              Expect.equal Recognizer.Default.Classes fromFile.Metadata.Classes "same classes"
              Expect.equal Recognizer.Default.Classes.Length 108 "108 classes"
          }

          test "Classify gives the numbers of the pipeline the CLI uses, ranked with names and types" {
              let sample = Structures.Sample
              let r = Recognizer.Default.Classify(sample, samples = 200, seed = 3, top = 5)
              let pipeline = Recognizer.Default.Pipeline

              let direct =
                  (Classifier.classifyEach 2 3 200 pipeline [| sample |]).[0] |> ok "classified"

              Expect.equal r.Probabilities direct.Prediction.Probabilities "same probabilities, bit for bit"
              Expect.equal r.MutualInformation direct.Prediction.MutualInformation "same mutual information"
              Expect.equal r.Top.Length 5 "top 5"
              Expect.equal r.Top.[0].Class "fcc_Cu_A_cF4_225_a" "fcc recognised"
              Expect.equal r.Top.[0].MaterialType "Elemental_solids" "its material type"
              Expect.equal r.Top.[0].Probability (Array.max r.Probabilities) "the best class first"

              Expect.isTrue
                  (r.Top
                   |> Array.pairwise
                   |> Array.forall (fun (a, b) -> a.Probability >= b.Probability))
                  "ranked"

              Expect.equal r.Atoms 475 "atoms"
              Expect.equal r.Uncertainty (Uncertainty.name (Uncertainty.level r.MutualInformation)) "level named"
              Expect.equal r.ErrorRate 0.0006 "the low level's measured error rate"
              Expect.isTrue r.Succeeded "succeeded"
              Expect.stringContains (string r) "fcc_Cu_A_cF4_225_a (Elemental_solids)" "prints the class"
              Expect.stringContains (sprintf "%A" r) "mutual information" "fsi shows the table, not the record"
          }

          test "ClassifyMany: a structure without descriptor gets its error, the others their results, independent of the batch" {
              let bcc = Structures.Supercell(Structures.Bcc("Fe", 2.87), 4, finite = true)
              let lone = Structure.cluster [| Vec3.zero |] [| 26 |]
              let rs = Recognizer.Default.ClassifyMany([| lone; bcc |], samples = 50)
              Expect.isFalse rs.[0].Succeeded "the lone atom is not classified"
              Expect.stringContains rs.[0].Error "single atom" "and says why"
              Expect.isTrue (Double.IsNaN rs.[0].MutualInformation) "no numbers for it"
              Expect.isTrue rs.[1].Succeeded "bcc classified"
              Expect.stringStarts rs.[1].Top.[0].Class "bcc" "as bcc"
              let alone = Recognizer.Default.Classify(bcc, samples = 50)
              Expect.equal alone.Probabilities rs.[1].Probabilities "the same as alone"

              let e =
                  raisesArise "lone atom" (fun () -> Recognizer.Default.Classify(lone, name = "lone.xyz"))

              Expect.equal e.File "lone.xyz" "the exception names the structure"
              Expect.isFalse (isNull e.Reason) "and the reason"
          }

          test "ClassifyFiles: a bad file gets its error with the line, the good files go on; progress reaches 1" {
              let dir = Path.GetDirectoryName(tempFile "x.txt" "")
              let good = Path.Combine(dir, "good.xyz")
              Structures.WriteXyz(good, Structures.Supercell(Structures.Fcc("Cu", 3.61), 4, finite = true))
              let bad = Path.Combine(dir, "bad.xyz")
              File.WriteAllText(bad, "2\n\nCu 0 0 0\nCu 1.8 zero 0\n")
              let reported = Collections.Concurrent.ConcurrentBag<float>()

              let progress =
                  { new IProgress<float> with
                      member _.Report v = reported.Add v }

              let rs =
                  Recognizer.Default
                      .ClassifyFilesAsync([| bad; good; Path.Combine(dir, "missing.xyz") |], samples = 30, progress = progress)
                      .Result

              Expect.equal (rs |> Array.map (fun r -> r.Source)) [| bad; good; Path.Combine(dir, "missing.xyz") |] "input order"
              Expect.stringContains rs.[0].Error "line 4" "the bad line named"
              Expect.stringStarts rs.[1].Top.[0].Class "fcc" "the good file classified"
              Expect.stringContains rs.[2].Error "no such file" "the missing file"
              Expect.contains reported 1.0 "progress reached 1"
              use cts = new CancellationTokenSource()
              cts.Cancel()

              let task =
                  Recognizer.Default.ClassifyFilesAsync([| good |], progress = progress, cancellationToken = cts.Token)

              Expect.throws (fun () -> task.Wait()) "a cancelled token cancels the task"
              Expect.isTrue task.IsCanceled "cancelled, not failed"
          }

          test "Structures: read errors name file and line; builders check their arguments" {
              let bad = tempFile "bad.xyz" "2\n\nCu 0 0 0\nCu 1.8 zero 0\n"
              let e = raisesArise "bad file" (fun () -> Structures.Read bad)
              Expect.equal e.File bad "file"
              Expect.equal e.Line (Nullable 4) "line"
              Expect.stringStarts e.Message (sprintf "%s:4: " bad) "file:line: reason"
              let e = raisesArise "unknown element" (fun () -> Structures.Fcc("Qq", 3.6))
              Expect.stringContains e.Message "Qq" "names the element"
              raisesArise "negative a" (fun () -> Structures.Bcc("Fe", -1.0)) |> ignore

              raisesArise "bad format" (fun () -> Structures.Read(bad, format = "pdb"))
              |> ignore

              let lammps =
                  tempFile
                      "two.data"
                      "x\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\nAtoms # atomic\n\n1 1 0 0 0\n2 2 2 2 2\n"

              let e = raisesArise "LAMMPS without types" (fun () -> Structures.Read lammps)
              Expect.stringContains e.Message "the types argument" "names the face's own argument"
              Expect.equal (Structures.Read(lammps, types = "1=Fe,2=Pt")).Numbers [| 26; 78 |] "types given: Fe and Pt"

              raisesArise "supercell of a cluster" (fun () -> Structures.Supercell(Structures.Sample, 2))
              |> ignore

              Expect.equal (Structures.Count(Structures.Supercell(Structures.Fcc("Cu", 3.61), 3))) 108 "3×3×3 fcc: 108 atoms"
              Expect.equal (Structures.Count(Structures.Supercell(Structures.Fcc("Cu", 3.61), 2, 3, 4))) 96 "2×3×4: 96"
              let cluster = Structures.Supercell(Structures.Fcc("Cu", 3.61), 5, finite = true)
              Expect.equal (Structures.Count(Structures.RemoveAtoms(cluster, 0.2, seed = 5))) 400 "20 % of 500 removed"
              Expect.floatClose Accuracy.high (Structures.NearestNeighbourDistance cluster) (3.61 / sqrt 2.0) "d_NN of fcc"
              let moved = Structures.Displace(cluster, 0.05)

              let maxShift =
                  Array.map2 (fun (a: Vec3) b -> Vec3.norm (a - b)) cluster.Positions moved.Positions
                  |> Array.max

              Expect.isTrue (maxShift > 0.0 && maxShift <= sqrt 3.0 * 0.05 * 3.61 / sqrt 2.0 + 1e-9) "displaced within δ·d_NN per axis"
              Expect.equal (Structures.Formula(Structures.Graphene())) "C4" "graphene: the orthohexagonal cell of 4 atoms"
          }

          test "Map and Explore: an fcc/bcc iron bicrystal maps to two classes and two clusters; Save writes the run's files" {
              // one element, so that boxes over the boundary hold one species (two species read as CsCl there)
              let grains = [ Crystals.fcc 26 3.61; Crystals.bcc 26 2.87 ]
              let sample = Polycrystal.voronoi 5 grains (Vec3.make 48.0 48.0 8.0) true 1.5
              let fractions = Collections.Concurrent.ConcurrentBag<float>()

              let progress =
                  { new IProgress<float> with
                      member _.Report v = fractions.Add v }

              let map =
                  Recognizer.Default.MapAsync(sample, box = 12.0, stride = 3.0, samples = 10, progress = progress).Result

              Expect.contains fractions 1.0 "progress reached 1"
              Expect.equal map.BoxCount (map.Result.Grid.Count) "boxes"
              let summary = map.Summary
              Expect.isGreaterThan map.ClassifiedBoxes.Length 50 "boxes classified"

              let top2 =
                  summary
                  |> Array.truncate 2
                  |> Array.map (fun c -> c.Class.Substring(0, 3))
                  |> Array.sort

              Expect.equal top2 [| "bcc"; "fcc" |] "fcc and bcc are the two main classes"
              Expect.floatClose Accuracy.high (summary |> Array.sumBy (fun c -> c.Share)) 1.0 "shares add up"
              Expect.stringContains (string map) "box 12, stride 3, T = 10" "the summary says the settings"
              let clusters = map.Explore(minClusterSize = 15)
              Expect.isGreaterThanOrEqual clusters.Count 2 "at least the two grains"
              Expect.equal clusters.Embedding.Length clusters.Boxes.Length "a 2D embedding per box"
              Expect.equal clusters.Layer 1 "first hidden layer"

              let dir =
                  Path.Combine(Path.GetTempPath(), "arise-face-" + Guid.NewGuid().ToString "N")

              let written = map.Save dir

              for f in [ "spm.npz"; "boxes.csv"; "atoms.xyz"; "map_mutual_information.html" ] do
                  Expect.isTrue (File.Exists(Path.Combine(dir, f))) f

              Expect.equal written.Length (Directory.GetFiles dir).Length "every file written is reported"
              let html = Charts.Map(map) |> GenericChart.toChartHTML
              Expect.stringContains html "mutual information (nats)" "colour bar labelled"
              Expect.stringContains html "x (Å)" "axis in Å"
              Expect.stringContains (Charts.Embedding(clusters, "class") |> GenericChart.toChartHTML) "UMAP 1" "embedding axes"
              raisesArise "bad layer" (fun () -> map.Explore(layer = 9)) |> ignore

              raisesArise "bad mode" (fun () -> Recognizer.Default.Map(sample, mode = "cube"))
              |> ignore
          }

          test "Charts.Probabilities draws the ranked classes with the uncertainty in its title" {
              let r = Recognizer.Default.Classify(Structures.Sample, samples = 20)
              let html = Charts.Probabilities r |> GenericChart.toChartHTML
              Expect.stringContains html "fcc_Cu_A_cF4_225_a (Elemental_solids)" "class names"
              Expect.stringContains html "mutual information" "uncertainty in the title"
              Expect.stringContains html "probability" "axis labelled"
          }

          test "Recognizer.Train learns a prototype folder, its model saves and loads, and it prints no borrowed error rates" {
              let root =
                  Path.Combine(Path.GetTempPath(), "arise-face-train-" + Guid.NewGuid().ToString("N"))

              try
                  for name, cell in [ "fcc_Cu", Structures.Fcc("Cu", 3.61); "bcc_Fe", Structures.Bcc("Fe", 2.87) ] do
                      let folder = Path.Combine(root, "prototypes", "Elemental_solids", name)
                      Directory.CreateDirectory folder |> ignore
                      Structures.WriteXyz(Path.Combine(folder, name + ".xyz"), cell)

                  let lines = Collections.Concurrent.ConcurrentQueue<string>()

                  let progress =
                      { new IProgress<string> with
                          member _.Report line = lines.Enqueue line }

                  let r =
                      Recognizer.Train(Path.Combine(root, "prototypes"), epochs = 15, seed = 3, folder = root, progress = progress)

                  Expect.equal (Set.ofArray r.Classes) (Set.ofList [ "fcc_Cu"; "bcc_Fe" ]) "the folder's classes"
                  Expect.exists lines (fun l -> l.StartsWith "epoch 15/15") "progress per epoch"
                  Expect.isNonEmpty (Directory.GetFiles(Path.Combine(root, "descriptors"))) "descriptors cached in the folder"
                  let bcc = Structures.Supercell(Structures.Bcc("Mo", 3.15), 5, finite = true)
                  let c = r.Classify(bcc, samples = 50)
                  Expect.equal c.Best.Class "bcc_Fe" "a bcc cluster of another element is bcc"
                  Expect.isTrue (Double.IsNaN c.ErrorRate) "no error rate for a model whose levels were not measured"
                  Expect.isFalse (c.Display.Contains "were wrong") "and none printed"
                  Expect.isFalse (Double.IsNaN (Recognizer.Default.Classify(bcc, samples = 50)).ErrorRate) "the embedded model has them"
                  let file = Path.Combine(root, "two.model")
                  r.Save file
                  let again = Recognizer.Load file
                  Expect.equal (again.Classify(bcc, samples = 50)).Probabilities c.Probabilities "the same predictions after a round trip"

                  let e =
                      raisesArise "empty folder" (fun () -> Recognizer.Train(Path.Combine(root, "descriptors")))

                  Expect.stringContains e.Message "no prototype classes" "an empty folder is refused"

                  let e =
                      raisesArise "an unknown engine" (fun () -> Recognizer.Train(Path.Combine(root, "prototypes"), engine = "tpu"))

                  Expect.stringContains e.Message "engine tpu" "the engine named"
                  Expect.equal r.Engine (Recognizer.Default.Engine) "trained on the managed engine by default, and runs on it"
                  // hcp added from a folder of its own; the model's classes from the folder it was trained on
                  let added = Path.Combine(root, "new", "Elemental_solids", "hcp_Mg")
                  Directory.CreateDirectory added |> ignore
                  Structures.WriteXyz(Path.Combine(added, "hcp_Mg.xyz"), Structures.Hcp("Mg", 3.21, 5.21))
                  let prototypes = Path.Combine(root, "prototypes")

                  let three =
                      r.AddClasses(Path.Combine(root, "new"), known = prototypes, epochs = 15, progress = progress)

                  Expect.equal three.Classes (Array.append r.Classes [| "hcp_Mg" |]) "the model's classes first, then hcp"
                  Expect.exists lines (fun l -> l.StartsWith "adding 1 classes to the 2") "says what it adds"
                  let hcp = Structures.Supercell(Structures.Hcp("Ti", 2.95, 4.68), 5, finite = true)
                  Expect.equal (three.Classify(hcp, samples = 50)).Best.Class "hcp_Mg" "an hcp cluster of another element is hcp"
                  Expect.equal (three.Classify(bcc, samples = 50)).Best.Class "bcc_Fe" "bcc still bcc"

                  let e =
                      raisesArise "nothing new" (fun () -> three.AddClasses(Path.Combine(root, "new"), known = prototypes))

                  Expect.stringContains e.Message "nothing to add" "a class already in the model is not added again"

                  let e =
                      raisesArise "no data" (fun () -> r.AddClasses(Path.Combine(root, "new"), known = Path.Combine(root, "new")))

                  Expect.stringContains e.Message "lacks 2 of the 2 classes" "data without the model's classes is refused"
              finally
                  Directory.Delete(root, true)
          }

          test "sparse dopants are described and classified: graphene in pixels with 1, 2, 4 Si, periodic and finite" {
              // graphene as atom columns in pixels (d_NN 10.81 px, paper Fig. 3b), 8 × 8 cells: the Si atoms are farther
              // apart than ARISE's largest cutoff (100.1 px), which used to refuse the structure
              let sheet =
                  Structures.Supercell(Structures.Graphene(bond = 10.81, vacuum = 150.0), 8, 8, 1)

              let dope (s: Structure) (k: int) (z: int) =
                  let n = s.Numbers.Length
                  let sites = [| for i in 0 .. k - 1 -> i * n / k + n / (2 * k) |]

                  { s with
                      Numbers = s.Numbers |> Array.mapi (fun i old -> if Array.contains i sites then z else old) }

              for k in [ 1; 2; 4 ] do
                  for finite in [ false; true ] do
                      let s = dope (if finite then Structure.toCluster sheet else sheet) k 14
                      let what = sprintf "%d Si, %s" k (if finite then "finite" else "periodic")
                      let r = Recognizer.Default.Classify(s, samples = 20)
                      Expect.isTrue r.Succeeded (sprintf "%s: classified (%s)" what r.Error)
                      Expect.isTrue (Double.IsFinite r.MutualInformation) (sprintf "%s: a finite uncertainty" what)
                      // treated as one species, the sheet is graphene again
                      let one = Recognizer.Default.Classify(Structures.OneSpecies s, samples = 20)
                      Expect.equal one.Best.Class "C" (sprintf "%s as one species: graphene" what)
                      Expect.equal (Structures.Formula(Structures.OneSpecies s)) (sprintf "C%d" s.Numbers.Length) "one species: C"

          }

          test "a perovskite with one dopant keeps the class of the pure one, periodic and finite" {
              withData (fun data ->
                  let file =
                      Directory.GetFiles(Path.Combine(prototypesDir data, "Ternaries", "3_cubic")).[0]

                  let perovskite = Structures.Supercell(Structures.Read file, 4)
                  let pure = Recognizer.Default.Classify(perovskite, samples = 50)
                  // one A-site atom of 64 replaced by Sr: a species with a single atom
                  let first = Array.findIndex ((=) perovskite.Numbers.[0]) perovskite.Numbers

                  let doped =
                      { perovskite with
                          Numbers = perovskite.Numbers |> Array.mapi (fun i z -> if i = first then 38 else z) }

                  for s, what in [ doped, "periodic"; Structure.toCluster doped, "finite" ] do
                      let r = Recognizer.Default.Classify(s, samples = 50)
                      Expect.isTrue r.Succeeded (sprintf "doped perovskite, %s: classified (%s)" what r.Error)
                      Expect.equal r.Best.Class pure.Best.Class (sprintf "doped perovskite, %s: the class of the pure one" what))
          }

          test "d_NN per species pair and the atoms of an SPM box" {
              let l10 = Structures.Supercell(Structures.Fcc("Fe", 3.8), 4)
              // Fe everywhere: the species pair equals the all-atom rule; unknown symbols name the parameter
              Expect.floatClose
                  Accuracy.high
                  (Structures.NearestNeighbourDistance(l10, "Fe", "Fe"))
                  (Structures.NearestNeighbourDistance l10)
                  "Fe-Fe"

              let bad =
                  try
                      Structures.NearestNeighbourDistance(l10, "Xx") |> ignore
                      ""
                  with :? ArgumentException as e ->
                      e.Message

              Expect.stringContains bad "element: no element is called Xx" "a bad symbol is named"
              let sample = Structures.Supercell(Structures.Fcc("Cu", 3.61), 6, finite = true)

              let map =
                  Recognizer.Default.Map(sample, box = 8.0, stride = 4.0, mode = "bulk", samples = 5)

              let b = map.ClassifiedBoxes.[0]
              let atoms = map.AtomsIn b
              Expect.isGreaterThanOrEqual (Structures.Count atoms) 10 "a classified box holds at least minAtoms atoms"

              Expect.isTrue
                  (atoms.Positions
                   |> Array.forall (fun p -> abs p.X <= 4.0 && abs p.Y <= 4.0 && abs p.Z <= 4.0))
                  "relative to the centre, inside the box"

              Expect.throws (fun () -> map.AtomsIn map.BoxCount |> ignore) "a box outside the map is refused"
          }

          test "Shells: the mutual information of a particle's bulk map by distance from its centre, core below surface" {
              // an fcc Cu sphere of radius 14 Å: boxes near the surface hold fewer atoms and are less certain
              let crystal = Structures.Supercell(Structures.Fcc("Cu", 3.61), 9, 9, 9)
              let centre = Structure.Vec3.make 16.245 16.245 16.245

              let inside =
                  [| for i in 0 .. crystal.Positions.Length - 1 do
                         if Structure.Vec3.norm (crystal.Positions.[i] - centre) < 14.0 then
                             yield i |]

              let sphere =
                  Structure.Structure.toCluster (Structure.Structure.select inside crystal)

              let map =
                  Recognizer.Default.Map(sphere, box = 10.0, stride = 2.5, mode = "bulk", samples = 10)

              let shells = map.Shells 3.0
              Expect.equal (shells |> Array.sumBy (fun s -> s.Boxes)) map.ClassifiedBoxes.Length "every classified box in one shell"

              for k in 1 .. shells.Length - 1 do
                  Expect.floatClose Accuracy.high shells.[k].Inner shells.[k - 1].Outer "contiguous shells"

              let filled = shells |> Array.filter (fun s -> s.Boxes > 0)
              Expect.equal filled.[0].MainClass "fcc_Cu_A_cF4_225_a" "the core is fcc"

              Expect.isLessThan
                  filled.[0].MeanMutualInformation
                  (Array.last filled).MeanMutualInformation
                  "the core is surer than the surface"

              let html = Plotly.NET.GenericChart.toEmbeddedHTML (Charts.Shells(map, 3.0))
              Expect.stringContains html "mutual information (nats)" "the axis says the quantity and unit"
              Expect.throwsT<AriseException> (fun () -> map.Shells 0.0 |> ignore) "a zero width"
          } ]

/// The C# sample builds the library as a project reference: never beside the packaging test, which packs it.
[<Tests>]
let csharpTests =
    testSequencedGroup "builds"
    <| testList
        "face from C#"
        [ test "the C# sample builds and prints the three most probable classes and the uncertainty" {
              let root = repositoryRoot.Value
              let project = Path.Combine(root, "samples", "csharp", "ClassifyCs.csproj")

              let code, out, err =
                  runProcess
                      root
                      "dotnet"
                      [ "build"
                        project
                        "-c"
                        "Release"
                        "-nologo"
                        "-v"
                        "quiet"
                        "-clp:NoSummary;ErrorsOnly" ]
                      600

              Expect.equal code 0 (sprintf "builds: %s%s" out err)

              let dll =
                  Path.Combine(root, "samples", "csharp", "bin", "Release", "net10.0", "ClassifyCs.dll")

              let code, out, _ = runProcess root "dotnet" [ dll ] 120
              Expect.equal code 0 "runs"
              let lines = out.Trim().Split('\n')
              Expect.equal lines.Length 4 "three classes and the uncertainty"
              Expect.stringStarts lines.[0] "fcc_Cu_A_cF4_225_a" "the sample is fcc"
              Expect.stringContains lines.[3] "nats: low uncertainty" "the uncertainty"
              let file = tempFile "bad.xyz" "1\n\nCu 0 0\n"
              let code, _, err = runProcess root "dotnet" [ dll; file ] 120
              Expect.equal code 1 "a bad file: exit 1"
              Expect.stringContains err (file + ":3:") "the file and line named"

              let userCode =
                  File.ReadAllLines(Path.Combine(root, "samples", "csharp", "Program.cs"))
                  |> Array.filter (fun l -> let t = l.Trim() in t <> "" && not (t.StartsWith "//") && t <> "{" && t <> "}")

              Expect.isLessThanOrEqual userCode.Length 12 "about ten lines of user code"
          } ]

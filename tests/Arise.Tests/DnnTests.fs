module Arise.Tests.DnnTests

open System
open Expecto
open Arise.Structure
open Arise.Tests.Common

/// The structure a reference row was computed on (soap.md §4 recipe).
let referenceStructure (row: MetaRow) =
    let s = StructureIO.read row.PrototypePath |> ok row.PrototypePath

    if row.Periodic || s.Cell.IsNone then
        s
    else
        let a, b, c = row.Replicas
        Supercell.finite a b c s

let fcc a = Crystals.fcc 29 a

[<Tests>]
let tests =
    testList
        "nearest-neighbour distance"
        [ test "when all distances are equal the ARISE histogram rule returns x + 0.005 (numpy range rule)" {
              let x = 2.5
              Expect.equal (NearestNeighbour.histogramCentre (Array.create 10 x)) (x + 0.005) "equal distances"
          }

          test "the histogram rule weights counts by 1/r² using the left edge" {
              // 3 values at 1.0 and 4 at 3.0: unweighted mode would be 3.0, r⁻² weighting picks 1.0
              let d = NearestNeighbour.histogramCentre [| 1.0; 1.0; 1.0; 3.0; 3.0; 3.0; 3.0 |]
              Expect.floatClose Accuracy.veryHigh d 1.01 "first bin centre"
          }

          test "the clean d_NN of fcc copper is a/√2 exactly" {
              let s = fcc 3.61
              let d = NearestNeighbour.dnn DnnMethod.MostCommon s |> ok "dnn"
              Expect.floatClose Accuracy.veryHigh d (3.61 / sqrt 2.0) "a/√2"
          }

          test "a lone atom of a species in a cluster has no same-species d_NN, and says so" {
              let s =
                  Structure.cluster [| Vec3.zero; Vec3.make 1.0 0.0 0.0; Vec3.make 0.0 1.0 0.0 |] [| 8; 1; 1 |]

              let pairs = NearestNeighbour.pairDnns DnnMethod.AriseHistogram s |> Map.ofList
              Expect.isError pairs.[(8, 8)] "O–O impossible"
              Expect.isOk pairs.[(1, 8)] "H–O fine"
          }

          test "per-pair scale factors equal the reference CSV for all 2,140 pair scalings (1e-9 relative)" {
              withData (fun data ->
                  let rows = readMeta data
                  let mutable count = 0
                  let mutable worst = 0.0, ""
                  let failures = ResizeArray<string>()

                  for row in rows do
                      let s = referenceStructure row
                      let ours = NearestNeighbour.pairDnns DnnMethod.AriseHistogram s |> Map.ofList

                      for (pair, expected) in row.ScaleFactors do
                          count <- count + 1

                          match ours.TryFind pair with
                          | Some(Ok d) ->
                              let rel = abs (d - expected) / expected

                              if rel > fst worst then
                                  worst <- rel, sprintf "row %d %s %A" row.Row row.Label pair

                              if rel > 1e-9 then
                                  failures.Add(sprintf "row %d %s %A: ours %.12g, reference %.12g" row.Row row.Label pair d expected)
                          | other -> failures.Add(sprintf "row %d %s %A: %A" row.Row row.Label pair other)

                  printfn
                      "d_NN: %d pair scalings compared, worst relative difference %.2e (%s), %d beyond 1e-9"
                      count
                      (fst worst)
                      (snd worst)
                      failures.Count

                  Expect.equal count 2140 "pair scalings in the CSV"
                  Expect.isEmpty (Seq.truncate 20 failures |> List.ofSeq) "pairs beyond 1e-9")
          }

          test "vacancy-tolerant rule: an atom whose whole first shell is removed no longer moves d_NN of a periodic crystal" {
              // fcc Cu 4×4×4 (256 atoms), with the 12 nearest neighbours of atom 0 removed: atom 0's nearest neighbour
              // is then at a (second shell, 1.41 d_NN), which stretches the histogram's range.
              let s = Supercell.repeat 4 4 4 (fcc 3.61)
              let p0 = s.Positions.[0]
              let d1 = 3.61 / sqrt 2.0
              let box = 4.0 * 3.61
              let wrap x = x - box * Math.Round(x / box)

              let firstShell =
                  s.Positions
                  |> Array.indexed
                  |> Array.filter (fun (i, p) ->
                      let d = p - p0

                      i <> 0
                      && abs (Vec3.norm (Vec3.make (wrap d.X) (wrap d.Y) (wrap d.Z)) - d1) < 1e-6)

              Expect.equal firstShell.Length 12 "fcc's first shell"
              let removed = firstShell |> Array.map fst |> Set.ofArray

              let holed =
                  s
                  |> Structure.select
                      [| for i in 0 .. Structure.count s - 1 do
                             if not (removed.Contains i) then
                                 i |]

              let pristine = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> ok "pristine"
              let arise = NearestNeighbour.dnn DnnMethod.AriseHistogram holed |> ok "arise"

              let tolerant =
                  NearestNeighbour.dnn DnnMethod.AriseVacancyTolerant holed |> ok "tolerant"

              Expect.isGreaterThan arise (pristine * 1.001) "ARISE's rule moves d_NN by half of a stretched bin"
              // equal but for rounding: the tolerant rule averages distances that are all equal (F14)
              let close = { absolute = 0.0; relative = 1e-12 }
              Expect.floatClose close tolerant pristine "the isolated atom is left out: d_NN as in the pristine crystal"

              Expect.floatClose
                  close
                  (NearestNeighbour.dnn DnnMethod.AriseVacancyTolerant s |> ok "tolerant pristine")
                  pristine
                  "pristine: same as ARISE"
              // a finite structure is never trimmed: its edge atoms legitimately have distant neighbours
              let cluster = Structure.toCluster holed

              Expect.equal
                  (NearestNeighbour.dnn DnnMethod.AriseVacancyTolerant cluster
                   |> ok "finite tolerant")
                  (NearestNeighbour.dnn DnnMethod.AriseHistogram cluster |> ok "finite arise")
                  "finite: same as ARISE"
          }

          test "every d_NN rule reads back from its name; an unknown name is an error listing the names" {
              for m in
                  [ DnnMethod.AriseHistogram
                    DnnMethod.AriseVacancyTolerant
                    DnnMethod.MostCommon ] do
                  Expect.equal (DnnRule.parse (DnnRule.name m)) (Ok m) (DnnRule.name m)

              Expect.equal (DnnRule.parse "ARISE") (Ok DnnMethod.AriseHistogram) "case-insensitive"

              match DnnRule.parse "histogram" with
              | Error e -> Expect.stringContains e "arise-vacancy-tolerant" "names the rules"
              | Ok m -> failtestf "parsed as %A" m
          }

          test "vacancy-tolerant rule: a site of the crystal with distant neighbours (more than 5 % of the atoms) is kept" {
              let distances = Array.append (Array.create 90 2.0) (Array.create 10 3.5)
              Expect.equal (NearestNeighbour.withoutIsolatedAtoms distances) distances "10 % at 1.75× is a site, kept"
              let few = Array.append (Array.create 97 2.0) (Array.create 3 3.5)
              Expect.equal (NearestNeighbour.withoutIsolatedAtoms few) (Array.create 97 2.0) "3 % at 1.75× are isolated atoms, left out"
          }

          test "smoothed rule: a noisy, populous shell wins against a few atoms in one bin; one clean shell as ARISE" {
              // 10 atoms spread over 5.40–5.49 (one per bin) and 3 atoms exactly at 6.30: ARISE's first maximum of
              // counts / r² is the lone bin at 6.30, the smoothed histogram's peak is the populous shell
              let noisy =
                  Array.append (Array.init 10 (fun k -> 5.40 + 0.01 * float k)) (Array.create 3 6.30)

              Expect.isGreaterThan (NearestNeighbour.histogramCentre noisy) 6.2 "ARISE's rule takes the narrow bin"
              let d = NearestNeighbour.smoothedCentre noisy
              Expect.isTrue (d >= 5.40 && d <= 5.50) (sprintf "the smoothed rule keeps the shell of 10 (got %g)" d)
              let clean = Array.append (Array.create 12 2.5) (Array.create 6 3.54)

              Expect.equal (NearestNeighbour.smoothedCentre clean) (NearestNeighbour.histogramCentre clean) "one clean shell: the same bin"

              Expect.equal (DnnRule.parse "arise-smoothed") (Ok DnnMethod.AriseSmoothed) "named"
          }

          test "overlapping atoms get a d_NN error that says so" {
              let s =
                  Structure.cluster (Array.init 20 (fun i -> Vec3.make (0.001 * float (i % 2)) 0.0 0.0)) (Array.create 20 29)

              let e = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> err "overlap"
              Expect.stringContains e "atoms 1 and 3 overlap (0 apart" "names two atoms that overlap"
              let fcc = Crystals.fcc 29 3.61 |> Supercell.finite 4 4 4
              // half of the atoms in coincident pairs: d_NN cannot be found above 0.1, said by index
              let pairs =
                  Structure.cluster (fcc.Positions |> Array.collect (fun p -> [| p; p + Vec3.make 0.01 0.0 0.0 |])) (Array.create 512 29)

              let e = NearestNeighbour.dnn DnnMethod.AriseHistogram pairs |> err "pairs"
              Expect.stringContains e "atoms 1 and 2 overlap (0.01 apart" "the first pair named"
          }

          test "40,000 atoms at one point are refused by index in linear time (issue 26 F2)" {
              let text = String.replicate 40000 "atom 1.0 1.0 1.0 Cu\n"
              let s = Formats.Aims.parse "pile.in" text |> ok "parsed"
              let clock = Diagnostics.Stopwatch.StartNew()
              let e = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> err "pile"
              Expect.stringContains e "atoms 1 and 2 overlap" "named by index"
              // the quadratic search took 83 s here; the hashed check a few milliseconds (a bound far from both)
              Expect.isLessThan clock.Elapsed.TotalSeconds 20.0 "not quadratic"
          }

          test "a periodic lattice vector shorter than 0.1 is refused on reading, before any neighbour search (F1)" {
              for lattice in [ "1e-9 0 0 0 5 0 0 0 10"; "1e-4 0 0 0 1e-4 0 0 0 10" ] do
                  let text =
                      sprintf "2\nLattice=\"%s\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\nCu 0 0 0\nCu 0 2.5 5\n" lattice

                  let e = Formats.Xyz.parse "tiny.xyz" text |> err lattice
                  Expect.stringContains (string e) "lattice vector a is" (sprintf "%s: %O" lattice e)
              // the same cell periodic only along b and c is not refused for its a
              let slab =
                  "2\nLattice=\"1e-9 0 0 0 5 0 0 0 10\" Properties=species:S:1:pos:R:3 pbc=\"F T T\"\nCu 0 0 0\nCu 0 2.5 5\n"

              Expect.isOk (Formats.Xyz.parse "slab.xyz" slab) "a is not periodic"
          }

          test "a nearly flat periodic cell is refused; an acute rhombohedral cell is not" {
              let flat =
                  Cell.make (Vec3.make 3.0 0.0 0.0) (Vec3.make 0.0 3.0 0.0) (Vec3.make 3.0 3.0 0.001)

              let e =
                  Structure.validate (Structure.periodic flat [| Vec3.zero |] [| 29 |])
                  |> err "flat"

              Expect.stringContains e "nearly flat" "said"
              // rhombohedral, α = 10°: volume 0.026 of |a||b||c|
              let a = 3.0
              let al = 10.0 * Math.PI / 180.0
              let cx = (cos al - cos al * cos al) / sin al

              let rh =
                  Cell.make
                      (Vec3.make a 0.0 0.0)
                      (Vec3.make (a * cos al) (a * sin al) 0.0)
                      (Vec3.make (a * cos al) (a * cx) (a * sqrt (1.0 - cos al * cos al - cx * cx)))

              Structure.validate (Structure.periodic rh [| Vec3.zero |] [| 29 |])
              |> ok "rhombohedral 10°"
              |> ignore
          }

          test "an overflowing periodic cell is called too long, not singular" {
              let huge = Cell.orthorhombic 1e300 1e300 1e300

              let e =
                  Structure.validate (Structure.periodic huge [| Vec3.zero |] [| 29 |])
                  |> err "1e300 cell"

              Expect.stringContains e "component of 1e+300" "the size named"

              Structure.validate (Structure.periodic (Cell.orthorhombic 1e6 3.0 3.0) [| Vec3.zero |] [| 29 |])
              |> ok "a 10⁶ Å cell"
              |> ignore
          }

          test "one structure, one d_NN: each periodic prototype, the same d_NN (model's rule) from extended XYZ, CIF and POSCAR" {
              withData (fun data ->
                  let lib = Prototypes.load (IO.Path.Combine(data, "prototypes"))

                  let dir =
                      IO.Path.Combine(IO.Path.GetTempPath(), "arise-f14-" + Guid.NewGuid().ToString "N")

                  IO.Directory.CreateDirectory dir |> ignore

                  let viaFormats (name: string) (s: Structure) =
                      let file ext = IO.Path.Combine(dir, name + ext)
                      StructureIO.writeXyz (file ".xyz") [ s ]
                      let poscar = StructureIO.writePoscar (file ".vasp") s |> Result.isOk
                      // CIF: lengths, angles and fractional coordinates (the reader builds its own cell vectors)
                      IO.File.WriteAllText(file ".cif", cifText s)

                      [ yield ".xyz"
                        yield ".cif"
                        if poscar then
                            yield ".vasp" ]
                      |> List.map (fun ext ->
                          match StructureIO.readAll (file ext) with
                          | Ok(r :: _) -> ext, r
                          | other -> failwithf "%s%s: %A" name ext other)

                  let periodic =
                      lib.Prototypes |> List.filter (fun p -> Structure.isPeriodic p.Structure)

                  let differing (m: DnnMethod) =
                      periodic
                      |> List.filter (fun p ->
                          let dnns =
                              viaFormats (p.Name.Replace('/', '_')) p.Structure
                              |> List.map (fun (_, r) -> NearestNeighbour.pairDnns m r)

                          dnns
                          |> List.exists (fun d ->
                              List.zip d dnns.Head
                              |> List.exists (fun ((_, x), (_, y)) ->
                                  match x, y with
                                  | Ok x, Ok y -> abs (x - y) > 1e-9 * x
                                  | x, y -> x <> y)))
                      |> List.map (fun p -> p.Name)

                  let arise = differing DnnMethod.AriseHistogram
                  let model = differing DnnMethod.AriseVacancyTolerant

                  printfn
                      "d_NN across formats: %d periodic prototypes; ARISE's rule differs between formats for %d, the model's rule for %d"
                      periodic.Length
                      arise.Length
                      model.Length

                  Expect.isGreaterThan periodic.Length 90 "the periodic prototypes"
                  Expect.isEmpty model "prototypes whose d_NN depends on the format")
          }

          test "vacancy-tolerant rule: ARISE's d_NN on every pristine library structure but where all distances are equal (F14)" {
              withData (fun data ->
                  let lib = Prototypes.load (IO.Path.Combine(data, "prototypes"))

                  let structures =
                      [| for p in lib.Prototypes do
                             for version, s in Arise.Model.TrainingSet.structures p -> p.Name + " " + version, s
                             for version, s in Arise.Model.TrainingSet.testStructures p -> p.Name + " " + version, s |]

                  // where all nearest-neighbour distances are equal but for rounding, ARISE's rule gives d − 0.005, d or
                  // d + 0.005 (the last bits decide) and the tolerant rule d, their mean; elsewhere the two are equal
                  let compared =
                      structures
                      |> Array.Parallel.collect (fun (name, s) ->
                          let a = NearestNeighbour.pairDnns DnnMethod.AriseHistogram s
                          let b = NearestNeighbour.pairDnns DnnMethod.AriseVacancyTolerant s

                          List.zip a b
                          |> List.map (fun ((p, x), (_, y)) ->
                              match x, y with
                              | Ok x, Ok y when abs (x - y) <= 1e-9 * x -> "same"
                              | Ok x, Ok y when abs (abs (x - y) - 0.005) < 1e-6 -> "half bin"
                              | _ -> sprintf "%s %A: %A vs %A" name p x y)
                          |> Array.ofList)

                  let count k =
                      compared |> Array.filter ((=) k) |> Array.length

                  printfn
                      "vacancy-tolerant d_NN: %d pristine structures, %d species pairs: %d as ARISE's (to 1e-9), %d by its half bin"
                      structures.Length
                      compared.Length
                      (count "same")
                      (count "half bin")

                  Expect.isGreaterThan structures.Length 900 "training versions and test structures"

                  Expect.isEmpty
                      (compared
                       |> Array.filter (fun k -> k <> "same" && k <> "half bin")
                       |> Array.truncate 10)
                      "pairs whose d_NN differs otherwise")
          } ]

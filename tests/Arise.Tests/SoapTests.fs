module Arise.Tests.SoapTests

open System
open System.IO
open System.Text.Json
open Expecto
open Arise.Structure
open Arise.Soap
open Arise.Tests.Common

let private golden (data: string) =
    JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "reference", "golden_values.json"))).RootElement

let private floats (e: JsonElement) =
    [| for x in e.EnumerateArray() -> x.GetDouble() |]

let private matrix (e: JsonElement) =
    [| for row in e.EnumerateArray() -> floats row |]

let private calc () =
    Soap.create SoapParameters.arise |> ok "calculator"

let private maxAbs (a: float[]) (b: float[]) =
    Array.fold2 (fun m x y -> max m (abs (x - y))) 0.0 a b

/// max |a−b| / max |b| over a matrix, entry-wise relative to the largest entry of its row.
let private closeMatrix (what: string) (ours: float[,]) (reference: float[][]) =
    for i in 0 .. reference.Length - 1 do
        let scale = reference.[i] |> Array.map abs |> Array.max

        for j in 0 .. reference.[i].Length - 1 do
            let d = abs (ours.[i, j] - reference.[i].[j])

            if d > 1e-12 * scale && d > 1e-14 * abs reference.[i].[j] then
                failtestf "%s[%d,%d]: ours %.17g, reference %.17g" what i j ours.[i, j] reference.[i].[j]

/// Reads the reference SOAP CSV: one float32 vector per row.
let referenceVectors (data: string) =
    File.ReadAllLines(Path.Combine(data, "reference", "quippy_pristine_soap.csv"))
    |> Array.skip 1
    |> Array.filter (fun l -> l.Trim() <> "")
    |> Array.map (fun l ->
        l.Split(',')
        |> Array.skip 1
        |> Array.map (fun x -> Double.Parse(x, Globalization.CultureInfo.InvariantCulture)))

[<Tests>]
let tests =
    testList
        "soap"
        [ test "the radial basis equals the golden values (α, r_b, centres, S, L, T)" {
              withData (fun data ->
                  let g = golden data
                  let b = (calc ()).Basis
                  Expect.equal b.Alpha (g.GetProperty("alpha").GetDouble()) "α"
                  Expect.floatClose Accuracy.veryHigh b.CutoffBasis (g.GetProperty("cutoff_basis").GetDouble()) "r_b"
                  Expect.equal b.Centres (floats (g.GetProperty "r_basis")) "centres bit for bit (repeated addition)"
                  closeMatrix "S" b.Overlap (matrix (g.GetProperty "overlap_S"))
                  closeMatrix "L" b.Cholesky (matrix (g.GetProperty "cholesky_L"))
                  closeMatrix "T" b.Transform (matrix (g.GetProperty "transform_T")))
          }

          test "one neighbour at (0,0,1): coefficients and power spectrum equal the golden values" {
              withData (fun data ->
                  let g = (golden data).GetProperty "single_neighbour_z_r1"
                  let c = calc ()
                  let coeffs = Soap.transform c (Soap.accumulateVectors c [| Vec3.make 0.0 0.0 1.0 |])
                  let expected = matrix (g.GetProperty "c_b_l_m0")

                  for b in 0..8 do
                      for l in 0..6 do
                          let ours = coeffs.[b * 49 + l * l + l]
                          let e = expected.[b].[l]
                          Expect.isLessThanOrEqual (abs (ours - e)) (1e-10 * abs e + 1e-25) (sprintf "c[%d,%d,0]" b l)

                  let p =
                      Soap.powerSpectrum c (Soap.accumulateVectors c [| Vec3.make 0.0 0.0 1.0 |]) 1

                  Expect.isLessThan (maxAbs p (floats (g.GetProperty "power_normalised"))) 1e-12 "power spectrum")
          }

          test "two neighbours: the power spectrum equals the golden values" {
              withData (fun data ->
                  let g = (golden data).GetProperty "two_neighbours"
                  let vs = matrix (g.GetProperty "vectors") |> Array.map Vec3.ofArray
                  let c = calc ()
                  let p = Soap.powerSpectrum c (Soap.accumulateVectors c vs) 1
                  Expect.isLessThan (maxAbs p (floats (g.GetProperty "power_normalised"))) 1e-12 "power spectrum")
          }

          test "periodic fcc Cu (reference row 222) equals the golden vector" {
              withData (fun data ->
                  let g = (golden data).GetProperty "fcc_Cu_periodic_row222"
                  let row = readMeta data |> List.find (fun r -> r.Row = 222)
                  let s = DnnTests.referenceStructure row
                  let d = AriseDescriptor.compute AriseDescriptor.defaults s |> ok "descriptor"

                  Expect.floatClose
                      Accuracy.veryHigh
                      (d.PairDnn.Head |> snd |> Option.get)
                      (g.GetProperty("scale_factor").GetDouble())
                      "d_NN"

                  Expect.isLessThan (maxAbs d.Vector (floats (g.GetProperty "vector"))) 1e-10 "vector")
          }

          test "all 396 reference vectors are reproduced from the prototypes to 1e-6" {
              withData (fun data ->
                  let rows = readMeta data |> Array.ofList
                  let reference = referenceVectors data
                  Expect.equal reference.Length 396 "reference rows"
                  let c = calc ()

                  let errors =
                      rows
                      |> Array.map (fun row ->
                          let s = DnnTests.referenceStructure row

                          let d =
                              AriseDescriptor.computeWith c AriseDescriptor.defaults s
                              |> ok (sprintf "row %d" row.Row)

                          row.Row, row.Label, maxAbs d.Vector reference.[row.Row])

                  let worstRow, worstLabel, worst = errors |> Array.maxBy (fun (_, _, e) -> e)

                  printfn
                      "SOAP: %d rows, worst max |Δ| = %.3e (row %d, %s); rows above 1e-6: %d"
                      errors.Length
                      worst
                      worstRow
                      worstLabel
                      (errors |> Array.filter (fun (_, _, e) -> e > 1e-6) |> Array.length)

                  Expect.isLessThanOrEqual worst 1e-6 "max |Δ| over all rows")
          }

          test "SOAP parameters outside their usable range are refused with the parameter named" {
              let d = SoapParameters.arise
              Expect.stringContains (Soap.create { d with AtomSigma = 1e-300 } |> err "tiny sigma") "sigma" "sigma named"
              Expect.stringContains (Soap.create { d with AtomSigma = 5.0 } |> err "sigma > cutoff") "sigma" "sigma above the cutoff"
              Expect.stringContains (Soap.create { d with Cutoff = 1e300 } |> err "huge cutoff") "cutoff" "cutoff named"

              Expect.stringContains
                  (Soap.create { d with Cutoff = 0.4 } |> err "cutoff below the transition width")
                  "cutoff 0.4"
                  "cutoff named"

              Soap.create d |> ok "ARISE's settings" |> ignore
          }

          test "descriptors are unit norm for one species, and zero for a lone atom of a species pair in a cluster" {
              let s =
                  Structure.cluster
                      [| Vec3.zero
                         Vec3.make 1.0 0.0 0.0
                         Vec3.make 0.0 1.0 0.0
                         Vec3.make 0.0 0.0 1.0 |]
                      [| 8; 1; 1; 1 |]

              let d = AriseDescriptor.compute AriseDescriptor.defaults s |> ok "descriptor"
              Expect.equal d.Vector.Length 316 "316 components"
              Expect.equal d.Vector.[315] 0.0 "last element 0"
              Expect.equal (d.PairDnn |> List.find (fst >> (=) (8, 8)) |> snd) None "O–O is the zero vector"
              let fcc = DefectTests.sample ()
              let v = (AriseDescriptor.compute AriseDescriptor.defaults fcc |> ok "fcc").Vector
              Expect.floatClose Accuracy.veryHigh (sqrt (Array.sumBy (fun x -> x * x) v)) 1.0 "unit norm"
          }

          test "the descriptor is bit-identical on 1, 2 and 3 threads, and from one call to the next" {
              // 4,000 atoms: many chunks of centres, summed in parallel
              let s =
                  Crystals.fcc 29 3.61
                  |> Supercell.finite 10 10 10
                  |> Defects.displaceRelative 5 0.02 2.55

              let vector threads =
                  (AriseDescriptor.compute
                      { AriseDescriptor.defaults with
                          Threads = threads }
                      s
                   |> ok "descriptor")
                      .Vector

              let one = vector 1
              Expect.equal (vector 2) one "2 threads"
              Expect.equal (vector 3) one "3 threads"
              Expect.equal (vector 2) (vector 2) "twice"
          }

          testProperty "the descriptor (the model's d_NN rule) is invariant to rotation, translation and atom order"
          <| fun (seed: int) ->
              // the model's rule: ARISE's own returns d ± 0.005 for distances that are all equal, decided by the last
              // bit (issue 26, F14), so that moving the structure could move its d_NN
              let options =
                  { AriseDescriptor.defaults with
                      Dnn = DnnMethod.AriseVacancyTolerant }

              let rng = Random(seed)
              let s = FormatTests.randomStructure seed |> Structure.toCluster

              let s =
                  { s with
                      Numbers = s.Numbers |> Array.map (fun z -> if z % 2 = 0 then 6 else 8)
                      AtomProperties = [] }

              let s =
                  Structure.create
                      (Array.append s.Positions [| s.Positions.[0] + Vec3.make 1.0 0.0 0.0 |])
                      (Array.append s.Numbers [| 6 |])
                      None
                      Pbc.none

              match AriseDescriptor.compute options s with
              | Error _ -> () // degenerate random geometry (no d_NN): nothing to compare
              | Ok d ->
                  let angle = rng.NextDouble() * 2.0 * Math.PI

                  let rot (p: Vec3) =
                      Vec3.make (cos angle * p.X - sin angle * p.Y) (sin angle * p.X + cos angle * p.Y) p.Z
                      + Vec3.make 3.0 -2.0 7.5

                  let perm = Array.init (Structure.count s) id |> Array.sortBy (fun _ -> rng.Next())
                  let moved = Structure.select perm (Structure.transform rot s)
                  let d2 = AriseDescriptor.compute options moved |> ok "moved"
                  Expect.isLessThan (maxAbs d.Vector d2.Vector) 1e-9 "invariant" ]

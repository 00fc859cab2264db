module Arise.Tests.PtmTests

open System
open System.IO
open Expecto
open Arise.Structure
open Arise.Classic
open Arise.Classic.Ptm
open Arise.Tests.Common

let private inv = Globalization.CultureInfo.InvariantCulture

/// A lattice's cell repeated 2×2×2 as a finite cluster, and which atoms are at least `depth` inside its bounding box.
let private clusterOf (l: Lattices.Lattice) (depth: float) =
    let c = Supercell.finite 2 2 2 l.Structure
    let lo, hi = Structure.bounds c
    let planar = l.Name = "graphene"

    let inside (p: Vec3) =
        let xy = [ p.X - lo.X; hi.X - p.X; p.Y - lo.Y; hi.Y - p.Y ] |> List.min

        if planar then
            xy > depth
        else
            min xy (min (p.Z - lo.Z) (hi.Z - p.Z)) > depth

    c, c.Positions |> Array.map inside

let private cnaCode t =
    match t with
    | CnaType.Fcc -> 1
    | CnaType.Hcp -> 2
    | CnaType.Bcc -> 3
    | CnaType.Icosahedral -> 4
    | CnaType.Other -> 5

let private acklandCode t =
    match t with
    | CnaType.Other -> 0
    | CnaType.Bcc -> 1
    | CnaType.Fcc -> 2
    | CnaType.Hcp -> 3
    | CnaType.Icosahedral -> 4

let private ptmCode t =
    match t with
    | PtmType.Other -> 0
    | PtmType.Fcc -> 1
    | PtmType.Hcp -> 2
    | PtmType.Bcc -> 3
    | PtmType.Icosahedral -> 4
    | PtmType.SimpleCubic -> 5
    | PtmType.CubicDiamond -> 6
    | PtmType.HexagonalDiamond -> 7
    | PtmType.Graphene -> 8

/// Rows of tests/fixtures/lammps-classic.csv: lattice, delta, atom, cna, ptm, ptm_rmsd, ackland.
let private lammps =
    lazy
        (File.ReadAllLines(Path.Combine(fixtures, "lammps-classic.csv"))
         |> Array.skip 1
         |> Array.map (fun l -> l.Split ','))

let private checksums =
    lazy
        (File.ReadAllLines(Path.Combine(fixtures, "lammps-classic-checksums.csv"))
         |> Array.skip 1
         |> Array.map (fun l -> l.Split ','))

/// Per lattice and level: the structure (checked against the fixture's checksum) and LAMMPS's rows.
let private series () =
    [ for l in Lattices.all do
          for delta in Lattices.displacements do
              let s = Lattices.displaced l delta

              let key (r: string[]) =
                  r.[0] = l.Name && Double.Parse(r.[1], inv) = delta

              let sum = checksums.Value |> Array.find key
              let expected = Double.Parse(sum.[3], inv)

              Expect.floatClose
                  Accuracy.high
                  (Lattices.positionChecksum s)
                  expected
                  (sprintf "%s δ %g: same structure as LAMMPS saw" l.Name delta)

              yield l, delta, s, lammps.Value |> Array.filter key ]

let private agreement (reference: string[][]) (column: int) (ours: int[]) =
    let same =
        Array.fold2 (fun acc (r: string[]) o -> if int r.[column] = o then acc + 1 else acc) 0 reference ours

    100.0 * float same / float ours.Length

[<Tests>]
let tests =
    testList
        "polyhedral template matching"
        [ test "every ideal lattice is recognised, periodic, with RMSD 0 and its nearest-neighbour distance" {
              for l in Lattices.all do
                  let r = Ptm.analyse l.Structure
                  Expect.all r (fun m -> m.Type = l.Ptm) (sprintf "%s: all atoms %s" l.Name (Ptm.typeName l.Ptm))
                  Expect.all r (fun m -> m.Rmsd < 1e-6) (sprintf "%s: RMSD 0" l.Name)

                  Expect.all
                      r
                      (fun m -> abs (m.InteratomicDistance - l.NearestNeighbour) < 1e-6)
                      (sprintf "%s: d_NN %.4f Å" l.Name l.NearestNeighbour)
          }

          test "clusters: interior atoms keep their lattice, outermost atoms are not matched" {
              for l in Lattices.all do
                  let c, interior = clusterOf l (2.5 * l.NearestNeighbour)
                  let r = Ptm.analyse c
                  Expect.isGreaterThan (interior |> Array.filter id |> Array.length) 10 (sprintf "%s: enough interior atoms" l.Name)

                  r
                  |> Array.iteri (fun i m ->
                      if interior.[i] then
                          Expect.equal m.Type l.Ptm (sprintf "%s: interior atom %d" l.Name i))

                  let lo, _ = Structure.bounds c

                  let corner =
                      c.Positions
                      |> Array.mapi (fun i p -> i, Vec3.norm (p - lo))
                      |> Array.minBy snd
                      |> fst

                  Expect.equal r.[corner].Type PtmType.Other (sprintf "%s: the corner atom" l.Name)
          }

          test "CNA, a-CNA and bond-angle analysis: 100 % on their lattices, periodic and as clusters (interior atoms)" {
              for l in Lattices.all |> List.filter (fun l -> l.Cna <> CnaType.Other) do
                  let methods =
                      [ "cna", Cna.fixedCutoff l.CnaCutoff
                        "a-cna", Cna.adaptive
                        "bond-angle", BondAngle.analyse ]

                  for name, f in methods do
                      Expect.all (f l.Structure) ((=) l.Cna) (sprintf "%s periodic %s" name l.Name)
                      let c, interior = clusterOf l (2.5 * l.NearestNeighbour)

                      f c
                      |> Array.iteri (fun i t ->
                          if interior.[i] then
                              Expect.equal t l.Cna (sprintf "%s cluster %s atom %d" name l.Name i))
          }

          test
              "the paper's twelve PTM classes among the prototypes get their lattice and ordering (L1₀, L1₂, zincblende, wurtzite, \
                hBN)" {
              withData (fun data ->
                  let lib = Prototypes.load (prototypesDir data)

                  let expected =
                      [ "fcc_Cu_A_cF4_225_a", "fcc"
                        "hcp_Mg_A_hP2_194_c", "hcp"
                        "bcc_W_A_cI2_229_a", "bcc"
                        "sc_alphaPo_A_cP1_221_a", "sc"
                        "diam_C_A_cF8_227_a", "dcub"
                        "HexDiam_C_A_hP4_194_f", "dhex"
                        "C", "graphene"
                        "BN", "hBN"
                        "L10_CuAu", "L10"
                        "L12_Cu3Au", "L12"
                        "Zincblende_ZnS", "zincblende"
                        "Wurtzite_ZnS", "wurtzite"
                        "CsCl", "B2" ]

                  for name, label in expected do
                      let p = lib.Prototypes |> List.find (fun p -> p.Name = name)
                      let (a, b, c) = Supercell.trainingReplicas false p.Structure |> List.head
                      let r = Ptm.analyse (Supercell.repeat a b c p.Structure)
                      Expect.all r (fun m -> Ptm.label m = label) (sprintf "%s: every atom %s" name label))
          }

          test "RMSD is invariant to rotation, scale and neighbour order, and grows with distortion" {
              let rng = Random 3

              for t in Ptm.defaults.Types do
                  let tpl = Ptm.templatePoints t
                  // a random rotation (from a random unit quaternion), a scale of 2.7 and shuffled neighbours within each shell
                  let q =
                      Array.init 4 (fun _ -> rng.NextDouble() - 0.5)
                      |> fun q -> let n = sqrt (Array.sumBy (fun x -> x * x) q) in q |> Array.map (fun x -> x / n)

                  let rot (v: Vec3) =
                      let w, x, y, z = q.[0], q.[1], q.[2], q.[3]

                      Vec3.make
                          ((w * w + x * x - y * y - z * z) * v.X
                           + 2.0 * (x * y - w * z) * v.Y
                           + 2.0 * (x * z + w * y) * v.Z)
                          (2.0 * (x * y + w * z) * v.X
                           + (w * w - x * x + y * y - z * z) * v.Y
                           + 2.0 * (y * z - w * x) * v.Z)
                          (2.0 * (x * z - w * y) * v.X
                           + 2.0 * (y * z + w * x) * v.Y
                           + (w * w - x * x - y * y + z * z) * v.Z)

                  let centre = tpl.[0]
                  let moved = tpl |> Array.map (fun p -> 2.7 * rot (p - centre))

                  let shuffled =
                      if Ptm.templateSize t > 15 || t = PtmType.Graphene then
                          moved // two-shell: order is the shell structure
                      else
                          Array.append [| moved.[0] |] (moved.[1..] |> Array.sortBy (fun _ -> rng.Next()))

                  let rmsd, d = Ptm.matchEnvironment t shuffled
                  Expect.isLessThan rmsd 1e-6 (sprintf "%s: RMSD of the moved template (√ of round-off)" (Ptm.typeName t))

                  let nearest =
                      moved.[1..] |> Array.map (fun p -> Vec3.norm (p - moved.[0])) |> Array.min

                  Expect.floatClose Accuracy.medium d nearest (sprintf "%s: interatomic distance" (Ptm.typeName t))

                  let noisy =
                      shuffled
                      |> Array.map (fun p ->
                          p
                          + Vec3.make (0.1 * (rng.NextDouble() - 0.5)) (0.1 * (rng.NextDouble() - 0.5)) (0.1 * (rng.NextDouble() - 0.5)))

                  let rmsdNoisy, _ = Ptm.matchEnvironment t noisy
                  Expect.isGreaterThan rmsdNoisy 1e-4 (sprintf "%s: noise raises the RMSD" (Ptm.typeName t))
                  Expect.isLessThan rmsdNoisy 0.1 (sprintf "%s: small noise stays below the cutoff" (Ptm.typeName t))
          }

          test
              "against LAMMPS (frozen fixtures): per-atom agreement ≥ 99.9 % for cna/atom, ≥ 99 % for ptm/atom and ackland/atom, on \
                    every lattice and displacement" {
              let mutable rmsdCompared, rmsdClose = 0, 0

              for l, delta, s, reference in series () do
                  Expect.equal reference.Length (Structure.count s) "one LAMMPS row per atom"
                  let what = sprintf "%s δ %g %%" l.Name (100.0 * delta)
                  let cna = Cna.fixedCutoff l.CnaCutoff s |> Array.map cnaCode
                  let ptm = Ptm.analyse s
                  let baa = BondAngle.analyse s |> Array.map acklandCode
                  Expect.isGreaterThanOrEqual (agreement reference 3 cna) 99.9 (what + ": cna/atom")

                  Expect.isGreaterThanOrEqual
                      (agreement reference 4 (ptm |> Array.map (fun m -> ptmCode m.Type)))
                      99.0
                      (what + ": ptm/atom")

                  Expect.isGreaterThanOrEqual (agreement reference 6 baa) 99.0 (what + ": ackland/atom")

                  for i in 0 .. reference.Length - 1 do
                      if
                          reference.[i].[5] <> "inf"
                          && int reference.[i].[4] = ptmCode ptm.[i].Type
                          && ptm.[i].Type <> PtmType.Other
                      then
                          rmsdCompared <- rmsdCompared + 1

                          if abs (Double.Parse(reference.[i].[5], inv) - ptm.[i].Rmsd) < 1e-5 then
                              rmsdClose <- rmsdClose + 1

              Expect.isGreaterThan rmsdCompared 9000 "RMSDs compared"
              Expect.isGreaterThanOrEqual (float rmsdClose / float rmsdCompared) 0.999 "PTM RMSD within 1e-5 of LAMMPS's"
          }

          test "LAMMPS data files written for LAMMPS read back as the same structure" {
              for l in Lattices.all do
                  let s = Lattices.displaced l 0.04
                  let text = Arise.Structure.Formats.Lammps.writeData s |> ok "writeData"

                  let back =
                      Arise.Structure.Formats.Lammps.parseData Map.empty "x.data" text
                      |> ok "parseData"

                  Expect.equal back.Numbers s.Numbers (l.Name + ": species")

                  Expect.floatClose
                      Accuracy.high
                      (Lattices.positionChecksum back)
                      (Lattices.positionChecksum s)
                      (l.Name + ": wrapped positions")

              let tilted =
                  Structure.periodic
                      (Cell.make (Vec3.make 3.0 0.0 0.0) (Vec3.make 1.0 3.0 0.0) (Vec3.make 0.0 0.0 3.0))
                      [| Vec3.zero |]
                      [| 29 |]

              Expect.isError (Arise.Structure.Formats.Lammps.writeData tilted) "a tilted cell is refused with a message"
          }

          test "the benchmark protocol: 21 levels, a published value for every row and level, designed classes that exist" {
              Expect.equal Table1.levels.Length 21 "levels"

              for row in [ "spglib loose"; "spglib tight"; "PTM"; "CNA"; "a-CNA"; "BAA" ] do
                  for star in [ ""; "*" ] do
                      for l in Table1.levels do
                          Expect.isSome (Table1.paperValue (row + star) l.Name) (sprintf "%s%s %s" row star l.Name)

              withData (fun data ->
                  let names =
                      (Prototypes.load (prototypesDir data)).Prototypes
                      |> List.map (fun p -> p.Name)
                      |> Set.ofList

                  for c, _ in Table1.ptmClasses do
                      Expect.isTrue (names.Contains c) (c + " is a prototype class")

                  for c, _ in Table1.cnaClasses do
                      Expect.isTrue (names.Contains c) (c + " is a prototype class"))
          } ]

module Arise.Tests.NanotubeTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open Arise.Structure
open Arise.Tests.Common

let private radius (s: Structure) =
    s.Positions |> Array.averageBy (fun p -> sqrt (p.X * p.X + p.Y * p.Y))

[<Tests>]
let tests =
    testList
        "nanotubes"
        [ test "the builder reproduces the 12 nanotube prototypes: atom count per length and diameter to 0.01 Å" {
              withData (fun data ->
                  let dirs = Directory.GetDirectories(Path.Combine(prototypesDir data, "Nanotubes"))
                  Expect.equal dirs.Length 12 "12 nanotube classes"

                  for dir in dirs do
                      let name = Path.GetFileName dir
                      let m = Regex.Match(name, @"cnt_nm_(\d+)_(\d+)_")
                      let n, mm = int m.Groups.[1].Value, int m.Groups.[2].Value
                      let file = Directory.GetFiles dir |> Array.head
                      let reference = StructureIO.read file |> ok file
                      let count = Structure.count reference
                      let per = Nanotube.atomsPerCell n mm
                      Expect.equal (count % per) 0 (sprintf "%s: %d atoms is a whole number of %d-atom cells" name count per)
                      let cells = count / per
                      Expect.equal cells (Nanotube.cellsFor 100 n mm) (sprintf "%s: smallest length with ≥ 100 atoms" name)
                      let built = Nanotube.build Nanotube.defaultBond n mm cells
                      Expect.equal (Structure.count built) count (sprintf "%s atoms" name)
                      let dRef = 2.0 * radius reference
                      let dOurs = 2.0 * radius built
                      Expect.isLessThan (abs (dRef - dOurs)) 0.01 (sprintf "%s diameter %.4f vs %.4f" name dOurs dRef)
                      // same length: the z extent matches within a bond
                      let extent (s: Structure) =
                          (s.Positions |> Array.map (fun p -> p.Z) |> Array.max)
                          - (s.Positions |> Array.map (fun p -> p.Z) |> Array.min)

                      Expect.isLessThan (abs (extent reference - extent built)) 1.5 (sprintf "%s length" name)
                      // rolling shortens the 1.42 Å bonds to chords; both tubes have the same nearest-neighbour distance
                      let d = NearestNeighbour.dnn DnnMethod.MostCommon built |> ok "dnn"

                      let dRefNN =
                          NearestNeighbour.dnn DnnMethod.MostCommon reference |> ok "reference dnn"

                      Expect.floatClose { absolute = 1e-3; relative = 1e-3 } d dRefNN (sprintf "%s bond" name))
          }

          test "atoms per cell and diameter follow the textbook formulas" {
              Expect.equal (Nanotube.atomsPerCell 3 3) 12 "(3,3)"
              Expect.equal (Nanotube.atomsPerCell 6 0) 24 "(6,0)"
              Expect.equal (Nanotube.atomsPerCell 4 2) 56 "(4,2)"
              Expect.floatClose { absolute = 0.005; relative = 0.0 } (Nanotube.diameter 1.42 3 3) 4.07 "(3,3) diameter"
              Expect.floatClose Accuracy.veryHigh (Nanotube.chiralAngle 5 5) 30.0 "armchair angle"
              Expect.throwsT<ArgumentException> (fun () -> Nanotube.build 1.42 0 0 1 |> ignore) "(0,0) rejected"
          } ]

module Arise.Tests.ClassicTests

open System
open Expecto
open Arise.Structure
open Arise.Classic
open Arise.Tests.Common

/// hcp with lattice constant a and ideal c/a, 2 atoms per cell.
let private hcp (z: int) (a: float) =
    let c = a * sqrt (8.0 / 3.0)

    let cell =
        Cell.make (Vec3.make a 0.0 0.0) (Vec3.make (-a / 2.0) (a * sqrt 3.0 / 2.0) 0.0) (Vec3.make 0.0 0.0 c)

    Structure.periodic
        cell
        [| Cell.toCartesian cell (Vec3.make (1.0 / 3.0) (2.0 / 3.0) 0.25)
           Cell.toCartesian cell (Vec3.make (2.0 / 3.0) (1.0 / 3.0) 0.75) |]
        [| z; z |]

let private all (t: CnaType) (types: CnaType[]) = types |> Array.forall ((=) t)

[<Tests>]
let tests =
    testList
        "classical methods"
        [ test "perfect fcc, hcp and bcc crystals are recognised with a fixed cutoff between the first shells" {
              Expect.isTrue
                  (Crystals.fcc 29 3.61
                   |> Supercell.repeat 4 4 4
                   |> Cna.fixedCutoff 3.0
                   |> all CnaType.Fcc)
                  "fcc"

              Expect.isTrue (hcp 12 3.2 |> Supercell.repeat 5 5 3 |> Cna.fixedCutoff 3.8 |> all CnaType.Hcp) "hcp"

              Expect.isTrue
                  (Crystals.bcc 26 2.87
                   |> Supercell.repeat 5 5 5
                   |> Cna.fixedCutoff 3.5
                   |> all CnaType.Bcc)
                  "bcc"
          }

          test "adaptive CNA needs no cutoff and tolerates small displacements" {
              let fcc =
                  Crystals.fcc 29 3.61
                  |> Supercell.repeat 4 4 4
                  |> Defects.displaceRelative 1 0.01 2.55

              Expect.isTrue (fcc |> Cna.adaptive |> all CnaType.Fcc) "displaced fcc"

              let bcc =
                  Crystals.bcc 26 2.87
                  |> Supercell.repeat 5 5 5
                  |> Defects.displaceRelative 2 0.01 2.49

              Expect.isTrue (bcc |> Cna.adaptive |> all CnaType.Bcc) "displaced bcc"
              let h = hcp 12 3.2 |> Supercell.repeat 5 5 3
              Expect.isTrue (h |> Cna.adaptive |> all CnaType.Hcp) "hcp"
          }

          test "CNA recognises small periodic cells (unit cells) as well as their supercells" {
              Expect.isTrue (Crystals.fcc 29 3.61 |> Cna.adaptive |> all CnaType.Fcc) "fcc conventional cell, adaptive"
              Expect.isTrue (Crystals.bcc 26 2.87 |> Cna.adaptive |> all CnaType.Bcc) "bcc conventional cell, adaptive"
              Expect.isTrue (hcp 12 3.2 |> Cna.adaptive |> all CnaType.Hcp) "hcp unit cell, adaptive"
              Expect.isTrue (Crystals.fcc 29 3.61 |> Cna.fixedCutoff 3.0 |> all CnaType.Fcc) "fcc conventional cell, fixed cutoff"
              let labels = Crystals.bcc 26 2.87 |> Supercell.repeat 2 1 1 |> Cna.adaptive
              Expect.equal labels.Length 4 "one label per atom of the cell, not of the repeated copy"
          }

          test "surface atoms of a cluster are 'other', interior atoms keep their type" {
              let cluster = Crystals.fcc 29 3.61 |> Supercell.finite 5 5 5
              let types = Cna.adaptive cluster
              let lo, hi = Structure.bounds cluster

              for i in 0 .. Structure.count cluster - 1 do
                  let p = cluster.Positions.[i]

                  let depth =
                      [ p.X - lo.X; hi.X - p.X; p.Y - lo.Y; hi.Y - p.Y; p.Z - lo.Z; hi.Z - p.Z ]
                      |> List.min

                  if depth < 0.1 then
                      Expect.equal types.[i] CnaType.Other "surface"
                  elif depth > 4.0 then
                      Expect.equal types.[i] CnaType.Fcc "interior"
          }

          test "bond-angle analysis recognises fcc, hcp and bcc, perfect and 1 % displaced" {
              Expect.isTrue
                  (Crystals.fcc 29 3.61
                   |> Supercell.repeat 4 4 4
                   |> BondAngle.analyse
                   |> all CnaType.Fcc)
                  "fcc"

              Expect.isTrue (hcp 12 3.2 |> Supercell.repeat 5 5 3 |> BondAngle.analyse |> all CnaType.Hcp) "hcp"

              Expect.isTrue
                  (Crystals.bcc 26 2.87
                   |> Supercell.repeat 5 5 5
                   |> BondAngle.analyse
                   |> all CnaType.Bcc)
                  "bcc"

              let displaced =
                  Crystals.fcc 29 3.61
                  |> Supercell.repeat 4 4 4
                  |> Defects.displaceRelative 5 0.01 2.55

              Expect.isTrue (displaced |> BondAngle.analyse |> all CnaType.Fcc) "displaced fcc"

              let gas =
                  Structure.cluster
                      (Array.init 60 (fun i -> Vec3.make (float (i * 37 % 11)) (float (i * 17 % 7)) (float (i % 5)) * 1.7))
                      (Array.create 60 18)

              Expect.isFalse (gas |> BondAngle.analyse |> all CnaType.Fcc) "not everything is fcc"
          } ]

[<Tests>]
let spglibTests =
    let withSpglib (body: unit -> unit) =
        match Spglib.version () with
        | Ok _ -> body ()
        | Error reason -> skiptest reason

    testList
        "spglib"
        [ test "pristine elemental and binary prototypes get their space group (tight), a cluster gets a clear error" {
              withSpglib (fun () ->
                  withData (fun data ->
                      let lib = Prototypes.load (prototypesDir data)

                      let scored =
                          lib.Prototypes
                          |> List.choose (fun p -> Spglib.expectedSpaceGroup p.Name |> Option.map (fun sg -> p, sg))

                      Expect.isGreaterThanOrEqual scored.Length 30 "elemental solids and binaries are scored"

                      for p, sg in scored do
                          match Spglib.spaceGroup Spglib.tight p.Structure with
                          | Ok(n, symbol) -> Expect.equal n sg (sprintf "%s (%s)" p.Name symbol)
                          | Error e -> failtestf "%s: %s" p.Name e

                      let cluster = Structure.cluster [| Vec3.zero; Vec3.make 1.0 0.0 0.0 |] [| 1; 1 |]
                      Expect.isError (Spglib.spaceGroup Spglib.loose cluster) "no cell"))
          }

          test "0.1 % displacements keep fcc's space group at the loose tolerance and lose it at the tight one" {
              withSpglib (fun () ->
                  let fcc =
                      Crystals.fcc 29 3.61
                      |> Supercell.repeat 3 3 3
                      |> Defects.displaceRelative 5 0.001 2.55

                  Expect.equal (Spglib.spaceGroup Spglib.loose fcc |> Result.map fst) (Ok 225) "loose"
                  Expect.notEqual (Spglib.spaceGroup Spglib.tight fcc |> Result.map fst) (Ok 225) "tight")
          } ]

module Arise.Tests.CellListTests

open System
open Expecto
open Arise.Structure

/// All (j, image offset) within cutoff of point p by brute force over enough periodic images.
let bruteForce (s: Structure) (p: Vec3) (self: int) (cutoff: float) =
    let cell = s.Cell |> Option.defaultValue (Cell.orthorhombic 1.0 1.0 1.0)

    let reach k periodic =
        if periodic then
            int (ceil ((cutoff + 30.0) / Cell.planeSpacing k cell)) + 2
        else
            0

    let ra, rb, rc = reach 0 s.Pbc.A, reach 1 s.Pbc.B, reach 2 s.Pbc.C

    [ for j in 0 .. Structure.count s - 1 do
          for a in -ra .. ra do
              for b in -rb .. rb do
                  for c in -rc .. rc do
                      if not (j = self && a = 0 && b = 0 && c = 0) then
                          let q = s.Positions.[j] + float a * cell.A + float b * cell.B + float c * cell.C

                          if Vec3.norm (q - p) < cutoff then
                              yield j, a, b, c ]
    |> List.sort

let fromBuffer (b: NeighbourBuffer) =
    [ for t in 0 .. b.Count - 1 -> b.Index.[t], b.Offset.[3 * t], b.Offset.[3 * t + 1], b.Offset.[3 * t + 2] ]
    |> List.sort

let randomCase (seed: int) =
    let rng = Random(seed)
    let len () = 1.0 + 6.0 * rng.NextDouble()
    let tilt () = (rng.NextDouble() - 0.5) * 3.0

    let cell =
        Cell.make (Vec3.make (len ()) 0.0 0.0) (Vec3.make (tilt ()) (len ()) 0.0) (Vec3.make (tilt ()) (tilt ()) (len ()))

    let n = 1 + rng.Next 30
    // positions anywhere, including outside the cell (unwrapped input)
    let positions =
        Array.init n (fun _ ->
            Cell.toCartesian cell (Vec3.make (rng.NextDouble() * 3.0 - 1.0) (rng.NextDouble() * 3.0 - 1.0) (rng.NextDouble() * 3.0 - 1.0)))

    let pbc = Pbc.make (rng.Next 3 > 0) (rng.Next 3 > 0) (rng.Next 3 > 0)

    let s =
        if Pbc.any pbc then
            Structure.create positions (Array.create n 14) (Some cell) pbc
        else
            Structure.cluster positions (Array.create n 14)

    let cutoff = 0.5 + 9.0 * rng.NextDouble() // often larger than the cell
    s, cutoff, rng

[<Tests>]
let tests =
    testList
        "cell lists"
        [ testProperty
              "Cell.imagesWithin equals a search over images along the periodic axes, for points many cells away, boxes of any size"
          <| fun (seed: int) ->
              let rng = Random(seed)
              let r () = rng.NextDouble()

              let cell =
                  Cell.make
                      (Vec3.make (2.0 + 4.0 * r ()) 0.0 0.0)
                      (Vec3.make (4.0 * r () - 2.0) (2.0 + 4.0 * r ()) 0.0)
                      (Vec3.make (4.0 * r () - 2.0) (4.0 * r () - 2.0) (2.0 + 4.0 * r ()))

              let lo = Vec3.make (12.0 * r () - 6.0) (12.0 * r () - 6.0) (12.0 * r () - 6.0)
              let hi = lo + Vec3.make (8.0 * r ()) (8.0 * r ()) (8.0 * r ())
              let pbc = Pbc.make (rng.Next 4 > 0) (rng.Next 4 > 0) (rng.Next 4 > 0)
              let within = Cell.imagesWithin cell pbc lo hi

              let along (periodic: bool) =
                  if periodic then [ -20 .. 20 ] else [ 0 ]

              for _ in 1..20 do
                  let p = Vec3.make (24.0 * r () - 12.0) (24.0 * r () - 12.0) (24.0 * r () - 12.0)

                  let search =
                      seq {
                          for i in along pbc.A do
                              for j in along pbc.B do
                                  for k in along pbc.C -> p + float i * cell.A + float j * cell.B + float k * cell.C
                      }
                      |> Seq.exists (fun q ->
                          q.X >= lo.X
                          && q.X <= hi.X
                          && q.Y >= lo.Y
                          && q.Y <= hi.Y
                          && q.Z >= lo.Z
                          && q.Z <= hi.Z)

                  Expect.equal (within p) search (sprintf "%A in %A..%A, %A" p lo hi pbc)

          testProperty "neighbours of every atom equal brute force on random triclinic cells (cutoff may exceed the cell)"
          <| fun (seed: int) ->
              let s, cutoff, _ = randomCase seed
              let cl = CellList.build s
              let buffer = NeighbourBuffer()

              for i in 0 .. Structure.count s - 1 do
                  CellList.queryAtom cl s i cutoff buffer

                  Expect.equal
                      (fromBuffer buffer)
                      (bruteForce s s.Positions.[i] i cutoff)
                      (sprintf "atom %d, cutoff %g, pbc %A" i cutoff s.Pbc)

          testProperty "queries at arbitrary points (outside the atoms too) equal brute force"
          <| fun (seed: int) ->
              let s, cutoff, rng = randomCase seed
              let cl = CellList.build s
              let buffer = NeighbourBuffer()

              for _ in 1..5 do
                  let p =
                      Vec3.make (rng.NextDouble() * 30.0 - 15.0) (rng.NextDouble() * 30.0 - 15.0) (rng.NextDouble() * 30.0 - 15.0)

                  CellList.queryPoint cl p cutoff -1 buffer
                  Expect.equal (fromBuffer buffer) (bruteForce s p -1 cutoff) "point query"

          testProperty "the reported vectors and squared distances match the image offsets"
          <| fun (seed: int) ->
              let s, cutoff, _ = randomCase seed
              let cell = s.Cell |> Option.defaultValue (Cell.orthorhombic 1.0 1.0 1.0)
              let cl = CellList.build s
              let b = NeighbourBuffer()
              CellList.queryAtom cl s 0 cutoff b

              for t in 0 .. b.Count - 1 do
                  let o = b.Offset

                  let q =
                      s.Positions.[b.Index.[t]]
                      + float o.[3 * t] * cell.A
                      + float o.[3 * t + 1] * cell.B
                      + float o.[3 * t + 2] * cell.C
                      - s.Positions.[0]

                  Expect.isLessThan (Vec3.norm (q - Vec3.make b.Dx.[t] b.Dy.[t] b.Dz.[t])) 1e-9 "vector"
                  Expect.floatClose Accuracy.high b.R2.[t] (Vec3.normSquared q) "squared distance"

          testProperty "a part of a sample periodic along some axes finds its atoms' neighbours as the whole does, bit for bit"
          <| fun (seed: int) ->
              let rng = Random(seed)
              let len () = 3.0 + 6.0 * rng.NextDouble()
              let tilt () = (rng.NextDouble() - 0.5) * 3.0

              let cell =
                  Cell.make (Vec3.make (len ()) 0.0 0.0) (Vec3.make (tilt ()) (len ()) 0.0) (Vec3.make (tilt ()) (tilt ()) (len ()))

              let open_ = rng.Next 3
              let pbc = Pbc.make (open_ <> 0) (open_ <> 1) (open_ <> 2)
              // atoms anywhere along the open axis; along the periodic ones, some on the cell's planes exactly (their
              // fractional coordinates are whole numbers, where a wrap could go either way)
              let coordinate k =
                  if k = open_ then 8.0 * rng.NextDouble() - 4.0
                  elif rng.Next 3 = 0 then float (rng.Next 3 - 1)
                  else 3.0 * rng.NextDouble() - 1.0

              let n = 20 + rng.Next 60

              let positions =
                  Array.init n (fun _ -> Cell.toCartesian cell (Vec3.make (coordinate 0) (coordinate 1) (coordinate 2)))

              let whole = Structure.create positions (Array.create n 14) (Some cell) pbc
              // a part: the whole without some atoms far along the open axis (its span, so the cell list's frame, differs)
              let along (p: Vec3) =
                  Vec3.dot (Cell.reciprocal cell |> Cell.vector open_) p

              let cutAt = 1.0 + 2.0 * rng.NextDouble()

              let kept =
                  [| for a in 0 .. n - 1 do
                         if along positions.[a] < cutAt then
                             a |]

              let part = Structure.select kept whole
              let wholeList, partList = CellList.build whole, CellList.build part
              let b1, b2 = NeighbourBuffer(), NeighbourBuffer()

              let found (b: NeighbourBuffer) (index: int -> int) =
                  [ for t in 0 .. b.Count - 1 ->
                        index b.Index.[t], b.Dx.[t], b.Dy.[t], b.Dz.[t], b.Offset.[3 * t], b.Offset.[3 * t + 1], b.Offset.[3 * t + 2] ]
                  |> List.sort

              for _ in 1..10 do
                  let q = positions.[kept.[rng.Next kept.Length]]
                  let cutoff = 0.5 + 2.0 * rng.NextDouble()
                  CellList.queryPoint wholeList q cutoff -1 b1
                  CellList.queryPoint partList q cutoff -1 b2
                  // of the whole's neighbours, those the part holds
                  let inPart = Collections.Generic.HashSet kept

                  let fromWhole =
                      found b1 id |> List.filter (fun (a, _, _, _, _, _, _) -> inPart.Contains a)

                  Expect.equal (found b2 (fun a -> kept.[a])) fromWhole (sprintf "%A, query at %A" pbc q)

          test "an fcc crystal has 12 nearest neighbours per atom, periodic, and fewer at the surface of a cluster" {
              let a = 3.6
              let fcc = Crystals.fcc 29 a
              let big = Supercell.repeat 4 4 4 fcc
              let cutoff = a / sqrt 2.0 * 1.1
              let pairs = CellList.countPairs (CellList.build big) big cutoff true
              Expect.equal pairs (12L * int64 (Structure.count big)) "periodic: 12 per atom"
              let cluster = Structure.toCluster big
              let pairsCluster = CellList.countPairs (CellList.build cluster) cluster cutoff false
              Expect.isLessThan pairsCluster pairs "surface atoms lose neighbours"
          } ]

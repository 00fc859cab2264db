module Arise.Tests.DefectTests

open System
open Expecto
open FsCheck
open Arise.Structure

let sample () =
    Crystals.fcc 29 3.61 |> Supercell.repeat 5 5 5

[<Tests>]
let tests =
    testList
        "defects"
        [ testProperty "displacements stay within ±δ·d_NN per component and are reproducible from the seed"
          <| fun (seed: int) (d: NormalFloat) ->
              let delta = abs (float d) % 0.2
              let s = sample ()
              let dnn = 3.61 / sqrt 2.0
              let moved = Defects.displaceRelative seed delta dnn s
              let again = Defects.displaceRelative seed delta dnn s
              Expect.equal moved.Positions again.Positions "same seed, same result"

              for i in 0 .. Structure.count s - 1 do
                  let v = moved.Positions.[i] - s.Positions.[i]

                  for k in 0..2 do
                      Expect.isLessThanOrEqual (abs v.[k]) (delta * dnn + 1e-12) "bounded"

          test "displacements fill the interval roughly uniformly" {
              let s = sample ()
              let moved = Defects.displace 7 0.1 s

              let comps =
                  [| for i in 0 .. Structure.count s - 1 do
                         let v = moved.Positions.[i] - s.Positions.[i] in yield! [ v.X; v.Y; v.Z ] |]

              Expect.isLessThan (abs (Array.average comps)) 0.01 "mean near 0"
              Expect.floatClose { absolute = 0.003; relative = 0.0 } (Array.averageBy (fun x -> x * x) comps) (0.01 / 3.0) "variance a²/3"
          }

          testProperty "vacancies remove int(η·N) distinct atoms (rounded down, as ai4materials), reproducibly"
          <| fun (seed: int) (e: NormalFloat) ->
              let eta = abs (float e) % 0.9
              let s = sample () |> Structure.withProperty "id" (Integers(1, Array.init 500 id))
              let r = Defects.removeFraction seed eta s
              let expected = 500 - int (eta * 500.0)
              Expect.equal (Structure.count r) expected "count"

              match r.AtomProperties with
              | [ "id", Integers(1, ids) ] ->
                  Expect.equal ids (Array.sort ids) "order kept"
                  Expect.equal (Array.distinct ids).Length ids.Length "distinct"
              | other -> failtestf "properties lost: %A" other

              Expect.equal (Defects.removeFraction seed eta s) r "reproducible"

          test "combined defects remove then displace, and bad parameters are rejected" {
              let s = sample ()
              let r = Defects.combined 3 0.1 0.05 2.55 s
              Expect.equal (Structure.count r) 450 "10 % removed"
              Expect.throwsT<ArgumentException> (fun () -> Defects.removeFraction 1 1.5 s |> ignore) "η > 1"
              Expect.throwsT<ArgumentException> (fun () -> Defects.displace 1 nan s |> ignore) "NaN amplitude"
          } ]

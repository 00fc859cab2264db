/// Rigid alignment of particles (issue 27, item 4): a rotated, noisy, depleted copy brought back onto the original.
module Arise.Tests.RegistrationTests

open System
open System.IO
open Expecto
open Arise
open Arise.Structure
open Arise.Tests.Common

/// A copy of `s` rotated at random, shifted, with Gaussian noise of `noise` Å on each coordinate and a fraction
/// `depletion` of its atoms removed; returns the copy and the kept atoms' indices.
let damagedCopy (seed: int) (noise: float) (depletion: float) (s: Structure) =
    let rng = Random(seed)

    let gauss () =
        sqrt (-2.0 * log (1.0 - rng.NextDouble()))
        * cos (2.0 * Math.PI * rng.NextDouble())

    let rotation = Polycrystal.randomRotation rng

    let keep =
        [| for i in 0 .. s.Positions.Length - 1 do
               if rng.NextDouble() >= depletion then
                   yield i |]

    let kept = Structure.select keep (Structure.toCluster s)

    { kept with
        Positions =
            kept.Positions
            |> Array.map (fun p ->
                Polycrystal.rotate rotation p
                + Vec3.make 7.0 -4.0 3.0
                + Vec3.make (noise * gauss ()) (noise * gauss ()) (noise * gauss ())) },
    keep

/// RMSD of the aligned copy against the original positions of its atoms (Å).
let private truthRmsd (aligned: Structure) (keep: int array) (original: Structure) =
    Array.map2 (fun (p: Vec3) i -> Vec3.normSquared (p - original.Positions.[i])) aligned.Positions keep
    |> Array.average
    |> sqrt

/// A faceted two-species particle of our own: an L1₀-like ordered fcc cluster cut by a sphere and two planes.
let private particle () =
    let fcc = Crystals.fcc 26 3.8 |> Supercell.repeat 9 9 9
    let centre = Vec3.make 17.1 17.1 17.1

    let inside =
        [| for i in 0 .. fcc.Positions.Length - 1 do
               let p = fcc.Positions.[i] - centre

               if Vec3.norm p < 14.0 && p.Z < 9.0 && p.X + p.Y < 15.0 then
                   yield i |]

    let s = Structure.select inside (Structure.toCluster fcc)
    // alternate (001) layers Fe / Pt, as in L1₀
    { s with
        Numbers =
            s.Positions
            |> Array.map (fun p -> if int (Math.Round(p.Z / 1.9)) % 2 = 0 then 26 else 78) }

[<Tests>]
let tests =
    testList
        "registration"
        [ test "a rotated, noisy (0.1 Å), 20 %-depleted copy of a faceted two-species particle is aligned back within 0.3 Å" {
              let original = particle ()

              for seed in 1..4 do
                  let copy, keep = damagedCopy seed 0.1 0.2 original
                  let a = Registration.align copy original |> ok "aligned"
                  Expect.isLessThan a.Rmsd 0.3 (sprintf "seed %d: RMSD %.3f Å on the matched atoms" seed a.Rmsd)
                  Expect.isGreaterThan (float a.Matched / float copy.Positions.Length) 0.95 (sprintf "seed %d: matched %d" seed a.Matched)
                  Expect.isLessThan (truthRmsd a.Aligned keep original) 0.3 (sprintf "seed %d: each atom back at its place" seed)
          }

          test "the FePt nanoparticle (paper Fig. 4): rotated, noisy, 20 %-depleted copies aligned within 0.3 Å" {
              withData (fun data ->
                  let fept =
                      StructureIO.read (Path.Combine(data, "aet", "FePt_nanoparticle_AET_2017.xyz"))
                      |> ok "FePt"

                  for seed in 1..2 do
                      let copy, keep = damagedCopy seed 0.1 0.2 fept
                      let a = Structures.Align(copy, fept)
                      Expect.isLessThan a.Rmsd 0.3 (sprintf "seed %d: RMSD %.3f Å" seed a.Rmsd)
                      Expect.isLessThan (truthRmsd a.Aligned keep fept) 0.3 (sprintf "seed %d: each atom back at its place" seed))
          }

          test "the rotation is proper and its angle and axis reproduce it; bad pairs are errors" {
              let original = particle ()
              let rotation = Polycrystal.rotationZ (Math.PI / 3.0)

              let turned =
                  { original with
                      Positions = original.Positions |> Array.map (Polycrystal.rotate rotation) }

              let a = Registration.align turned original |> ok "aligned"
              // moving back undoes 60° about z
              Expect.floatClose { absolute = 0.5; relative = 0.0 } a.Angle 60.0 "60°"
              Expect.floatClose { absolute = 1e-3; relative = 0.0 } (abs a.Axis.Z) 1.0 "about z"
              Expect.isLessThan a.Rmsd 1e-6 "exact"
              let few = Structure.cluster [| Vec3.zero; Vec3.make 1.0 0.0 0.0 |] [| 26; 26 |]
              Registration.align few original |> err "two atoms" |> ignore

              let other =
                  { original with
                      Numbers = Array.create original.Numbers.Length 29 }

              Registration.align other original |> err "no species in common" |> ignore
              Expect.throwsT<AriseException> (fun () -> Structures.Align(few, original) |> ignore) "the face raises"
          }

          test "arise align writes the aligned structure and prints the RMSD" {
              let dir = freshFolder "arise-align-"
              let original = particle ()
              let copy, _ = damagedCopy 9 0.05 0.2 original
              StructureIO.writeXyz (Path.Combine(dir, "t0.xyz")) [ original ]
              StructureIO.writeXyz (Path.Combine(dir, "t1.xyz")) [ copy ]
              let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

              let code, out, errors =
                  runProcess dir "dotnet" [ dll; "align"; "t1.xyz"; "t0.xyz"; "--json" ] 300

              Expect.equal code 0 (sprintf "exit 0 (%s)" errors)
              let o = Text.Json.JsonDocument.Parse(out).RootElement
              Expect.isLessThan (o.GetProperty("rmsd").GetDouble()) 0.3 "RMSD"

              let aligned =
                  StructureIO.read (Path.Combine(dir, "t1-aligned.xyz")) |> ok "aligned file"

              Expect.equal aligned.Positions.Length copy.Positions.Length "every atom written"
              let code, _, errors = runProcess dir "dotnet" [ dll; "align"; "t1.xyz" ] 300
              Expect.equal code 2 "one file: usage error"
              Expect.stringContains errors "two structure files" "says what it needs"
          } ]

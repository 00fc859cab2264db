// Why SPM boxes on an fcc|hcp grain boundary are called dhcp (issue 30, item 4; Fig. 2). Close-packed layers stack
// as fcc (every layer cubic, c: its neighbours below and above sit on different sites, ABC) or hcp (every layer
// hexagonal, h: ABA); dhcp (ABAC) is half c, half h. The averaged descriptor averages over the atoms of a box, so a
// box that straddles an fcc|hcp interface sees a mix of c and h environments, and at half and half it sees what dhcp
// is made of. This script builds such boxes: a 16 Å cube (Fig. 2's box) cut from a stack of close-packed Cu layers
// (d_NN 2.556 Å) that is fcc below an interface and hcp above it, the interface moved through the cube layer by layer;
// and classifies each with the given models (T = 1000). Prints, per interface position, the share of h atoms in the
// cube and each model's top two classes with the mutual information.
//
//   ./arise --version
//   dotnet fsi scripts/stacking.fsx [--models models/arise-108.model,models/arise-108-dropout0317.model] [--samples 1000]
#load "Common.fsx"

open System
open System.IO
open Arise
open Arise.Structure
open Common

let arg = ScriptArgs.get
let samples = int (arg "--samples" "1000")

let models =
    (arg
        "--models"
        (String.Join(
            ",",
            [ Path.Combine(ScriptArgs.root, "models", "arise-108.model")
              Path.Combine(ScriptArgs.root, "models", "arise-108-dropout0317.model") ]
        )))
        .Split(',')

let recognizers = models |> Array.map Recognizer.Load
let d = 2.556
let spacing = d * sqrt (2.0 / 3.0)
let box = 16.0
let layers = 2 * int (ceil (box / spacing)) + 2

/// Sites (0, 1, 2 = A, B, C) of the layers: steps +1 (cubic stacking) below layer `k`, alternating from `k` on
/// (hexagonal stacking), so layers 1 … k − 1 are c and k … are h.
let sites (k: int) =
    let p = Array.zeroCreate layers

    for i in 1 .. layers - 1 do
        let step =
            if i - 1 < k then 1
            elif (i - 1 - k) % 2 = 0 then -1
            else 1

        p.[i] <- ((p.[i - 1] + step) % 3 + 3) % 3

    p

/// A layer is h when the layers below and above sit on the same site.
let isHexagonal (p: int[]) (i: int) =
    i > 0 && i < p.Length - 1 && p.[i - 1] = p.[i + 1]

/// The 16 Å cube at the centre of the stack (atoms of the first and last layer never fall in it).
let cube (p: int[]) =
    let a1 = Vec3.make d 0.0 0.0
    let a2 = Vec3.make (d / 2.0) (d * sqrt 3.0 / 2.0) 0.0
    let shift k = (float k / 3.0) * (a1 + a2)
    let centre = Vec3.make 0.0 0.0 (float (layers - 1) * spacing / 2.0)
    let n = int (box / d) + 4

    let atoms =
        [| for l in 0 .. layers - 1 do
               for i in -2 * n .. 2 * n do
                   for j in -2 * n .. 2 * n do
                       let r = float i * a1 + float j * a2 + shift p.[l]

                       let r = Vec3.make r.X r.Y (float l * spacing)
                       let q = r - centre

                       if abs q.X < box / 2.0 && abs q.Y < box / 2.0 && abs q.Z < box / 2.0 then
                           yield r, isHexagonal p l |]

    Structure.cluster (atoms |> Array.map fst) (Array.create atoms.Length 29), atoms |> Array.filter snd |> Array.length

printfn "16 Å cubes across an fcc|hcp interface (Cu, d_NN %.3f Å), T = %d; models: %s" d samples (String.Join(", ", models))
printfn "%5s %6s  %s" "layer" "h %" (String.Join("  ", models |> Array.map (fun m -> sprintf "%-52s" (Path.GetFileName m))))

for k in 0 .. layers - 1 do
    let s, h = cube (sites k)
    let share = 100.0 * float h / float (Structure.count s)

    let cells =
        recognizers
        |> Array.map (fun r ->
            let c = r.Classify(s, samples = samples, top = 2)
            let name (i: int) = c.Top.[i].Class.Split('_').[0]
            sprintf "%-14s %.2f  %-14s %.2f  MI %.3f" (name 0) c.Top.[0].Probability (name 1) c.Top.[1].Probability c.MutualInformation)

    printfn "%5d %6.1f  %s" k share (String.Join("  ", cells |> Array.map (sprintf "%-52s")))

// dhcp itself (ABAC: every other layer h) in the same cube, for reference
let dhcp = Array.init layers (fun i -> [| 0; 1; 0; 2 |].[i % 4])

let s, h = cube dhcp
printfn "dhcp (ABAC) cube: %.1f %% h atoms" (100.0 * float h / float (Structure.count s))

for m, r in Array.zip models recognizers do
    let c = r.Classify(s, samples = samples, top = 2)

    printfn
        "  %s: %s %.2f, %s %.2f, MI %.3f"
        (Path.GetFileName m)
        c.Top.[0].Class
        c.Top.[0].Probability
        c.Top.[1].Class
        c.Top.[1].Probability
        c.MutualInformation

// The superalloy test of the paper: an fcc Ni-Al matrix with a cubic L1₂ (Ni₃Al) precipitate in the centre,
// scanned in 3D (box 16 Å). Prints the mean L1₂ probability of boxes inside the precipitate and in the matrix,
// pristine and with 20 % atoms removed plus 5 % displacements. Maps go to superalloy-out/.
//
//   ./arise --version
//   dotnet fsi scripts/superalloy.fsx [--size 120] [--precipitate 60] [--stride 6] [--samples 100]
#load "Common.fsx"

open System
open System.IO
open Arise.Structure
open Arise.Model
open Arise.Spm
open Common

let arg = ScriptArgs.get
let size = float (arg "--size" "120")
let precipitateEdge = float (arg "--precipitate" "60")
let stride = float (arg "--stride" "6")
let samples = int (arg "--samples" "100")
let recognizer = ScriptArgs.recognizer ()
let l12 = Array.IndexOf(recognizer.Classes, "L12_Cu3Au")
let pristine = Polycrystal.superalloy 7 3.6 size precipitateEdge 0.1

printfn
    "superalloy: %d atoms in a %.0f Å cube, L1₂ precipitate %.0f Å; L1₂ class: %s"
    (Structure.count pristine)
    size
    precipitateEdge
    recognizer.Classes.[l12]

let defective = pristine |> Defects.combined 11 0.20 0.05 (3.6 / sqrt 2.0)

for name, sample in [ "pristine", pristine; "20 % missing + 5 % displaced", defective ] do
    let out =
        Path.Combine("superalloy-out", if name = "pristine" then "pristine" else "defective")

    let map =
        recognizer.Map(sample, box = 16.0, stride = stride, mode = "bulk", samples = samples, folder = out)

    let r, grid = map.Result, map.Result.Grid
    ScriptPictures.save out map
    let c = r.Classes.Length
    let lo, hi = size / 2.0 - precipitateEdge / 2.0, size / 2.0 + precipitateEdge / 2.0
    // boxes entirely inside the precipitate, and entirely in the matrix
    let half = 8.0

    let within (p: Vec3) =
        [ p.X; p.Y; p.Z ] |> List.forall (fun x -> x - half >= lo && x + half <= hi)

    let outside (p: Vec3) =
        [ p.X; p.Y; p.Z ] |> List.exists (fun x -> x + half <= lo || x - half >= hi)

    let mean sel =
        let xs =
            [| for f in 0 .. grid.Count - 1 do
                   if r.Argmax.[f] >= 0 && sel r.Centres.[f] then
                       float r.Probabilities.[f * c + l12] |]

        (if xs.Length = 0 then nan else Array.average xs), xs.Length

    let pin, nin = mean within
    let pout, nout = mean outside

    printfn
        "%-30s %d boxes in %.0f s: mean L1₂ probability inside %.3f (%d boxes), in the matrix %.3f (%d boxes)"
        name
        grid.Count
        map.Seconds
        pin
        nin
        pout
        nout

// Paper Fig. 2b-c: strided pattern matching of the four-grain polycrystal (box 16 Å, stride 1 Å), pristine and
// distorted. Writes maps, boxes.csv and per-atom labels under fig2-out/<name>/, then checks the acceptance figures:
// four contiguous regions (fcc, bcc, hcp, diamond; one each) covering ≥ 85 % of the non-empty boxes, and the mean
// mutual information on region borders and the sample edge ≥ 3× that of region interiors.
//
//   ./arise --version        # builds the libraries once
//   dotnet fsi scripts/fig2.fsx [--samples 1000] [--data ../shared/data]
#load "Common.fsx"

open System
open System.IO
open Arise.Structure
open Arise.Model
open Arise.Spm

open Common

let arg = ScriptArgs.get
let root = ScriptArgs.root
let data = ScriptArgs.data
let samples = int (arg "--samples" "1000")
let recognizer = ScriptArgs.recognizer ()

let wanted =
    [ "fcc", "fcc_Cu_A_cF4_225_a"
      "bcc", "bcc_W_A_cI2_229_a"
      "hcp", "hcp_Mg_A_hP2_194_c"
      "diamond", "diam_C_A_cF8_227_a" ]

let classIndex name = Array.IndexOf(recognizer.Classes, name)

/// Connected components (4-neighbourhood) of the boxes whose argmax is `cls`, on the 2D grid.
let components (r: SpmResult) (nx: int) (ny: int) (cls: int) =
    let seen = Array.zeroCreate (nx * ny)

    [ for start in 0 .. nx * ny - 1 do
          if r.Argmax.[start] = cls && not seen.[start] then
              let stack = Collections.Generic.Stack [ start ]
              seen.[start] <- true
              let mutable size = 0

              while stack.Count > 0 do
                  let f = stack.Pop()
                  size <- size + 1
                  let i, j = f / ny, f % ny

                  for (di, dj) in [ (1, 0); (-1, 0); (0, 1); (0, -1) ] do
                      let a, b = i + di, j + dj

                      if a >= 0 && a < nx && b >= 0 && b < ny then
                          let g = a * ny + b

                          if r.Argmax.[g] = cls && not seen.[g] then
                              seen.[g] <- true
                              stack.Push g

              yield size ]

for name in [ "four_grains_elemental_solid"; "four_grains_elemental_solid_distorted" ] do
    let sample = Arise.Structures.Read(Path.Combine(data, "polycrystal", name + ".xyz"))

    let out = Path.Combine("fig2-out", name)

    let map =
        recognizer.Map(sample, box = 16.0, stride = 1.0, samples = samples, folder = out)

    let r, t, grid, seconds = map.Result, map.Timing, map.Result.Grid, map.Seconds
    ScriptPictures.save out map
    let nx, ny, _ = grid.Shape
    let nonEmpty = r.Argmax |> Array.filter (fun a -> a >= 0) |> Array.length

    printfn
        "\n%s: %d boxes (%d × %d), %d classified, T = %d, %.1f s (boxes %.1f, descriptors %.1f, network %.1f)"
        name
        grid.Count
        nx
        ny
        nonEmpty
        samples
        seconds
        t.Extraction
        t.Descriptors
        t.Network

    let mutable covered = 0

    for label, cls in wanted do
        let sizes = components r nx ny (classIndex cls) |> List.sortDescending
        let largest = List.tryHead sizes |> Option.defaultValue 0
        let total = List.sum sizes
        covered <- covered + largest

        printfn
            "  %-8s largest region %5d boxes (%5.1f %% of classified), %d regions in all (%d boxes)"
            label
            largest
            (100.0 * float largest / float nonEmpty)
            sizes.Length
            total

    printfn
        "  the four largest regions cover %.1f %% of the classified boxes (acceptance: ≥ 85 %%)"
        (100.0 * float covered / float nonEmpty)
    // border: a classified box with a 4-neighbour of another class, empty, or outside the grid; interior: all
    // boxes within 2 steps share its class
    let at i j =
        if i < 0 || i >= nx || j < 0 || j >= ny then
            -2
        else
            r.Argmax.[i * ny + j]

    let border, interior = ResizeArray<float>(), ResizeArray<float>()

    for i in 0 .. nx - 1 do
        for j in 0 .. ny - 1 do
            let a = at i j

            if a >= 0 then
                let mi = r.MutualInformation.[i * ny + j]

                let near =
                    [ for di in -1 .. 1 do
                          for dj in -1 .. 1 do
                              if abs di + abs dj = 1 then
                                  yield at (i + di) (j + dj) ]

                let wide =
                    [ for di in -2 .. 2 do
                          for dj in -2 .. 2 -> at (i + di) (j + dj) ]

                if near |> List.exists ((<>) a) then
                    border.Add mi
                elif wide |> List.forall ((=) a) then
                    interior.Add mi

    let mb, mi = Seq.average border, Seq.average interior

    printfn
        "  mean mutual information: borders and edge %.4f (%d boxes), interiors %.4f (%d boxes): ratio %.1f (acceptance: ≥ 3)"
        mb
        border.Count
        mi
        interior.Count
        (mb / mi)

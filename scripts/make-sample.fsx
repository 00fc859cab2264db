// Regenerates samples/cu-fcc-displaced.xyz, the structure the CLI embeds as its default input:
// fcc Cu (a = 3.61 Å), 4×4×4 conventional cells (256 atoms), periodic, random displacements of 1 % of d_NN (seed 42).
// Run: dotnet build src/Arise.Structure.fs -c Release && dotnet fsi scripts/make-sample.fsx
#r "../src/Arise.Structure.fs/bin/Release/net10.0/Arise.Structure.dll"
open Arise.Structure

let a = 3.61
let unit = Crystals.fcc 29 a
let sample =
    unit
    |> Supercell.repeat 4 4 4
    |> Defects.displaceRelative 42 0.01 (a / sqrt 2.0)
    |> Structure.withInfo "comment" "fcc Cu 4x4x4, 1% displacements (seed 42), made by scripts/make-sample.fsx"
let path = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "samples", "cu-fcc-displaced.xyz")
StructureIO.writeXyz path [ sample ]
printfn "wrote %s (%d atoms)" path (Structure.count sample)

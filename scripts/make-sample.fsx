// Regenerates samples/cu-fcc-defective-cluster.xyz, the structure the CLI embeds as its default input:
// a finite fcc Cu cluster (a = 3.61 Å, 5×5×5 conventional cells = 500 sites) with 5 % of the atoms removed and
// random displacements of 1 % of d_NN (seed 42), made with our own builders.
// Run: dotnet build src/Arise.Structure.fs -c Release && dotnet fsi scripts/make-sample.fsx
#r "../src/Arise.Structure.fs/bin/Release/net10.0/Arise.Structure.dll"
open Arise.Structure

let a = 3.61

let sample =
    Crystals.fcc 29 a
    |> Supercell.finite 5 5 5
    |> Defects.combined 42 0.05 0.01 (a / sqrt 2.0)

let path =
    System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "samples", "cu-fcc-defective-cluster.xyz")

StructureIO.writeXyz path [ sample ]
printfn "wrote %s (%d atoms)" path (Structure.count sample)

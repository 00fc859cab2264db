(**
# Mapping polycrystals: strided pattern matching

A box of edge `box` moves over the sample in steps of `stride` (Å, or the sample's unit): in plane with the box
spanning the thickness (`mode = "slab"`, the default), on a 3D grid (`"bulk"`) or along the longest axis (`"rod"`).
The atoms of every box with at least `minAtoms` atoms are classified with T = `samples` passes. The paper used 16 Å
boxes, a 1 Å stride and T = 1000 on its polycrystals; the sample below is smaller.
*)
(*** hide ***)
#load "../scripts/References.fsx"
(*** show ***)
open Arise

// two columnar grains (fcc Cu, bcc Fe) from a Voronoi construction, 60 × 60 × 10 Å, lightly damaged
let pristine = Structures.Polycrystal([| Structures.Fcc("Cu", 3.61); Structures.Bcc("Fe", 2.87) |], 60.0, 60.0, 10.0, seed = 5)
let sample = Structures.Displace(Structures.RemoveAtoms(pristine, 0.05, seed = 3), 0.02, seed = 3)
let map = Recognizer.Default.Map(sample, box = 12.0, stride = 3.0, samples = 30)
printfn "%O" map
(*** include-output ***)

(**
The map of the mutual information: low inside the grains, high along the boundary, where a box holds atoms of both.
The title gives the box, the stride and T; the axes are in Å.
*)
Charts.Map(map) |> Plotly.NET.GenericChart.toChartHTML
(*** include-it-raw ***)

(**
`Charts.Map(map, "bcc_W_A_cI2_229_a")` draws a class's probability instead. `map.Save folder` writes `spm.npz` (every
array of the run, for numpy), `boxes.csv`, `atoms.xyz` (per-atom class, probability and mutual information averaged
over the boxes holding each atom, for OVITO or ASE) and the HTML maps. With `folder = …` in `Map`, finished chunks of
512 boxes are kept and an interrupted run resumes; `MapAsync` adds progress and cancellation. A bulk map (`mode =
"bulk"`) shows its central slice and says which. The command line does the same: `arise spm FILE --out DIR`.
*)

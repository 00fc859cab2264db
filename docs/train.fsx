(**
# Your own classes

To recognise classes beyond the 108, train on a folder of prototypes laid out as `arise train` reads it:
`FOLDER/<material type>/<class>/<one geometry file>`, one periodic cell each (extended XYZ, POSCAR, CIF, FHI-aims or
LAMMPS data). Each class's training set is made as in the paper: the cell and three finite supercells, described at
99 settings of cutoff, width and extrinsic scale.
*)
(*** hide ***)
#load "../scripts/References.fsx"
(*** show ***)
open System
open System.IO
open Arise

let prototypes = Path.Combine(Path.GetTempPath(), "arise-docs-prototypes")
if Directory.Exists prototypes then Directory.Delete(prototypes, true)

for name, cell in [ "fcc_Cu", Structures.Fcc("Cu", 3.61); "bcc_Fe", Structures.Bcc("Fe", 2.87); "hcp_Mg", Structures.Hcp("Mg", 3.21) ] do
    let folder = Path.Combine(prototypes, "Elemental_solids", name)
    Directory.CreateDirectory folder |> ignore
    Structures.WriteXyz(Path.Combine(folder, name + ".xyz"), cell)

(**
`Recognizer.Train` generates the descriptors and trains the paper's network; `epochs`, `dropout` and `seed` change
the recipe, `folder` caches the descriptors for a rerun, `progress` gets a line per step:
*)
let progress = { new IProgress<string> with member _.Report line = if line.StartsWith "trained" then printfn "%s" line }
let mine = Recognizer.Train(prototypes, epochs = 20, seed = 7, progress = progress)
printfn "%O" (mine.Classify(Structures.Supercell(Structures.Bcc("W", 3.16), 5, finite = true), samples = 100, name = "bcc W cluster"))
(*** include-output ***)

(**
## Adding a class to a trained model

`AddClasses` adds the classes of another folder to a trained model without starting again: the output layer grows by
a column per class and training goes on from the model's weights, on its own classes' data (`known`: the folder it was
trained on, or its saved `.training-set.npz`) and the new classes' together. [Adding a class](add-classes.md) walks
through adding a class from a CIF file to the embedded model, and measures 4 classes added to a 104-class model.
*)
let more = Path.Combine(Path.GetTempPath(), "arise-docs-more-prototypes")
if Directory.Exists more then Directory.Delete(more, true)
Directory.CreateDirectory(Path.Combine(more, "Elemental_solids", "diam_Si")) |> ignore
Structures.WriteXyz(Path.Combine(more, "Elemental_solids", "diam_Si", "diam_Si.xyz"), Structures.Diamond("Si", 5.43))

let four = mine.AddClasses(more, known = prototypes, epochs = 20, progress = progress)
printfn "%s" (String.Join(", ", four.Classes))
printfn "%O" (four.Classify(Structures.Supercell(Structures.Diamond("Ge", 5.66), 3, finite = true), samples = 100, name = "diamond Ge"))
(*** include-output ***)

(**
`mine.Save "three.model"` writes a model file that `Recognizer.Load` and `arise --model` read. The command line
trains the same way with the paper's checkpoint selection on defective structures: `arise train --prototypes FOLDER
--out my.model`. `notebooks/train.ipynb` walks through a folder with a CIF file.
*)

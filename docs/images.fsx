(**
# From images to atoms

The paper's experimental results start from HAADF STEM images of graphene, turned into atom positions and then
classified. Arise reads the images themselves (`.tif`, `.png`, `.npy`, `.dm3`/`.dm4`, `.emd`), finds their atom
columns, and classifies or maps what it found. Here the image is synthetic, rendered from our own graphene flake with
two Si dopants (0.1 Å a pixel, a probe of σ 0.3 Å, 30 counts at a carbon column, Gaussian read noise and scan
distortion), so that the true columns are known.
*)
(*** hide ***)
#load "../scripts/References.fsx"
(*** show ***)
open System.IO
open Arise

let flake = Images.DopedGraphene(10, 7, dopants = 2)
let image = Images.Render(flake, pixelSize = 0.1, dose = 30.0)
let file = Path.Combine(Path.GetTempPath(), "graphene.tif")
Images.Save(image, file)

// a TIFF holds no calibration: give the pixel size, and positions come in Å
let atoms = Images.ReadAtoms(file, pixelSize = 0.1)
let recognition = Recognizer.Default.Classify atoms
let found, atomsInFlake = Structures.Count atoms, Structures.Count flake
printfn "%d columns found in a %d × %d image (%d atoms in the flake)" found image.Width image.Height atomsInFlake
let best = recognition.Best
let dnn = Structures.NearestNeighbourDistance atoms
printfn "d_NN %.3f Å; %s, p = %.3f, %s uncertainty" dnn best.Class best.Probability (string recognition.Uncertainty)
(*** include-output ***)

(**
The column spacing and size were estimated from the image's autocorrelation; give `spacing` and `columnSize` (in
pixels) when an image has too few columns for that. With `species`, the columns are split by their intensity (HAADF
contrast grows with the atomic number), named from dim to bright:
*)

let doped = Images.Atoms(image, pixelSize = 0.1, species = "C,Si")
printfn "%s" (Structures.Formula doped)
(*** include-output ***)

(**
The picture shows the image with the columns found, coloured by species:
*)

Charts.Image(image, doped)
(*** include-it-raw ***)

(**
On the command line the same steps are `arise atoms graphene.tif --pixel-size 0.1 --species C,Si` (extended XYZ with
each column's intensity) and `arise classify graphene.tif --pixel-size 0.1`; `arise spm` maps an image of a
polycrystal as it maps coordinates.

## Aligning a particle measured twice

Atomic electron tomography of a particle at two times gives two sets of positions in different frames, with atoms
missing from each. `Structures.Align` finds the rigid motion between them (any rotation; species-aware), and the RMSD
of the atoms it could match:
*)

let rng = System.Random 3
let particle = Structures.Supercell(Structures.Fcc("Cu", 3.61), 10, 7, 5, finite = true)
let depleted = Structures.RemoveAtoms(particle, 0.2, seed = 3)
let rotation = Structure.Polycrystal.randomRotation rng
let moved = { depleted with Positions = depleted.Positions |> Array.map (Structure.Polycrystal.rotate rotation) }
let alignment = Structures.Align(moved, particle)
printfn "RMSD %.4f Å over %d of %d atoms matched" alignment.Rmsd alignment.Matched (Structures.Count moved)
(*** include-output ***)

(**
On the command line: `arise align particle-t1.xyz particle-t0.xyz` writes `particle-t1-aligned.xyz` and prints the
rotation, the translation and the RMSD.
*)

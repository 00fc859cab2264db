(**
# The descriptor and the nearest-neighbour distance

Every structure is described by averaged SOAP (smooth overlap of atomic positions; n_max 9, l_max 6: 316
components) computed after scaling the structure by its nearest-neighbour distance d_NN, so that the same
arrangement at another lattice constant, or in pixels instead of Å, gives the same numbers. For several species the
descriptor averages over the species substructures (paper S1.2), with one d_NN per species pair.
*)
(*** hide ***)
#load "../scripts/References.fsx"
(*** show ***)
open Arise

let copper = Structures.Fcc("Cu", 3.61)
let gold = Structures.Fcc("Au", 4.08)
let dCu, dAu = Structures.NearestNeighbourDistance copper, Structures.NearestNeighbourDistance gold
let a, b = Recognizer.Default.Describe copper, Recognizer.Default.Describe gold
let largest = Array.map2 (fun x y -> abs (x - y)) a b |> Array.max
printfn "d_NN: Cu %.4f Å, Au %.4f Å; %d components; largest difference %.2g" dCu dAu a.Length largest
(*** include-output ***)

(**
## The d_NN rules

- **arise** (ARISE's rule, paper S1.1): a histogram of each atom's nearest-neighbour distance, 100 bins over the
  range, each bin's count divided by r²; d_NN is the centre of the fullest bin. It reproduces the reference
  implementation's inputs (all 396 quippy reference vectors to 3e-8).
- **arise-vacancy-tolerant** (the embedded model's rule): the same, but in periodic structures atoms whose whole
  first shell is missing are left out, so vacancies do not stretch the histogram.
- **arise-smoothed** and **clean** (the most common distance) are there for studies; the model does not use them.

Per species pair, `NearestNeighbourDistance(s, "Fe", "Pt")` gives the distance from Fe atoms to their nearest Pt
atoms. ARISE's rule looks for neighbours within 20.1, 40.1, … 100.1 (in the structure's unit) and gives up when some
atom has neighbours but none of the other species within the largest: a few dopants far apart, in an image measured in
pixels, say. Arise then applies the same histogram rule to each atom's nearest atom of that species anywhere in the
structure, so such structures are described; every structure ARISE's rule describes keeps its numbers.
`Structures.OneSpecies` (`--one-species` on the command line) reads all atoms as the most common element, for atom
columns whose chemistry an image does not tell reliably.

When every nearest-neighbour distance is the same (an ideal periodic cell), the histogram's range is (d − 0.5, d +
0.5) and d sits on the edge between bins 49 and 50, so the rule returns d, d + 0.005 or d − 0.005 Å depending on the
last bits of the coordinates: the same cell written in two formats can differ by 0.005 Å (0.2 %; 29 of the 96
periodic prototypes between extended XYZ and CIF). The reference implementation behaves the same way, and
**arise** keeps it. **arise-vacancy-tolerant**, the model's rule, gives such distances (equal to 1e-9) their mean, d,
so one structure has one d_NN whatever file it came in (tested on the 96 prototypes through extended XYZ, CIF and
POSCAR). On the training library's 5,344 pristine species pairs this moves 359 by 0.005 Å (0.2 %) from the inputs the
embedded model was trained on; Table 1 with the embedded model is re-measured with the rule in
[Reproducing the paper](reproducing.md).
*)
let lTen = Structures.Supercell(Structures.Fcc("Fe", 3.8), 2)
let all, feFe = Structures.NearestNeighbourDistance lTen, Structures.NearestNeighbourDistance(lTen, "Fe", "Fe")
printfn "all pairs %.4f Å, Fe–Fe %.4f Å" all feFe
(*** include-output ***)

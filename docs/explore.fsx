(**
# Exploring the hidden layers

The network's hidden layers hold a representation of each box that the classes were read from. Clustering it
without the labels (HDBSCAN with soft clustering) and embedding it in 2D (UMAP) shows structure the class labels do
not name: grain boundaries, distorted regions (paper Figs. 2d–g and 4b).
*)
(*** hide ***)
#load "../scripts/References.fsx"
(*** show ***)
open Arise

let sample =
    Structures.Polycrystal([| Structures.Fcc("Cu", 3.61); Structures.Bcc("Fe", 2.87) |], 60.0, 60.0, 10.0, seed = 5)

let map = Recognizer.Default.Map(sample, box = 12.0, stride = 3.0, samples = 30)
let clusters = map.Explore(layer = 1, minClusterSize = 30)
printfn "%O" clusters
(*** include-output ***)

(**
The crystal map by cluster and the UMAP embedding share their colours: cluster k has the same colour in both, and
outliers (boxes whose memberships are all below 0.1) are grey.
*)
Charts.ClusterMap(map, clusters) |> Plotly.NET.GenericChart.toChartHTML
(*** include-it-raw ***)

Charts.Embedding(clusters) |> Plotly.NET.GenericChart.toChartHTML
(*** include-it-raw ***)

(**
`Charts.Embedding(clusters, "class")` colours by predicted class instead, `"mi"` by mutual information.
`filterClass = "L10_CuAu"` explores only the boxes of one class, as the paper did for the FePt nanoparticle (see
`notebooks/fept.ipynb`). From the command line: `arise explore SPM-FOLDER`.
*)

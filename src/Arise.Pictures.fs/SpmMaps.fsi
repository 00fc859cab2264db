/// Pictures of SPM results: Plotly heatmaps of a per-box value over the grid, 3D isosurfaces for bulk grids, and the
/// set of maps a run writes.
module Arise.Pictures.SpmMaps

/// A 2D map of a per-box value (box index → value) over the grid's scanned axes, central slice of the third, as a
/// Plotly heatmap; axes in the sample's length unit (Å), the colour bar `colourBar`, and for a 3D grid the slice
/// shown in the title.
val heatmapChartWith:
    title: string -> colourBar: Plotly.NET.ColorBar -> g: Arise.Spm.SpmGrid -> value: (int -> float) -> Plotly.NET.GenericChart

/// heatmapChartWith with a colour bar titled `colourBar`.
val heatmapChart: title: string -> colourBar: string -> g: Arise.Spm.SpmGrid -> value: (int -> float) -> Plotly.NET.GenericChart

/// heatmapChart written as HTML with plotly.js embedded.
val heatmap: path: string -> title: string -> colourBar: string -> g: Arise.Spm.SpmGrid -> value: (int -> float) -> unit

/// Maps: mutual information, and the probability of each class that is the argmax of at least 2 % of the non-empty
/// boxes (at most six), into `dir` (created when missing), titled with box, stride and T (`samples`, the Monte Carlo
/// passes per box); bulk grids add isosurface views. The maps are written at once, on all cores. Returns the files written.
val writeMaps: dir: string -> samples: int -> r: Arise.Spm.SpmResult -> string list

/// writeMaps shared by several processes: the k-th map of writeMaps's list is written only where `mine k` holds;
/// returns every map's file, written here or not.
val writeMapsOf: mine: (int -> bool) -> dir: string -> samples: int -> r: Arise.Spm.SpmResult -> string list

/// The mutual information by shell (Shells.profile): mean ± standard deviation (nats) against the distance of the
/// box centres from the centre (Å), the number of boxes of each shell on hover.
val shellChart: title: string -> shells: Arise.Spm.Shells.Shell array -> Plotly.NET.GenericChart

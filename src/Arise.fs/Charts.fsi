namespace Arise

open System.Runtime.InteropServices

/// Pictures of recognitions, maps and clusters as Plotly.NET charts: a notebook displays them inline, a script
/// saves them with `Chart.saveHtml` (or `Charts.Save`).
[<AbstractClass; Sealed; Class>]
type Charts =

    /// The UMAP embedding of a cluster map, coloured by cluster (`colour` "cluster", default; outliers grey), by
    /// predicted class ("class") or by mutual information ("mi").
    static member Embedding: clusters: ClusterMap * [<Optional; DefaultParameterValue("cluster")>] colour: string -> Plotly.NET.GenericChart

    /// A 2D map of an SPM run (central slice for bulk): the mutual information (`quantity` "mi", default), or the
    /// probability of the class named by `quantity`. Axes in Å (the sample's unit), a labelled colour bar.
    static member Map: map: SpmMap * [<Optional; DefaultParameterValue("mi")>] quantity: string -> Plotly.NET.GenericChart

    /// Horizontal bars of the ranked classes' probabilities, titled with the mutual information and its level.
    static member Probabilities: recognition: Recognition -> Plotly.NET.GenericChart

    /// The crystal map coloured by cluster (central slice for bulk), in the colours of Embedding: grey for outliers,
    /// blank for boxes not explored.
    static member ClusterMap: map: SpmMap * clusters: ClusterMap -> Plotly.NET.GenericChart

    /// An image (grey, bright columns white; at most 1024 pixels a side shown, block means beyond) with, when given,
    /// its atoms (from Images.Atoms) marked and coloured by species. Axes in Å when the pixel size is known, else px;
    /// y down, as the microscope shows it.
    static member Image: image: Imaging.Image * atoms: Structure.Structure -> Plotly.NET.GenericChart

    /// The image alone (see the overload with atoms).
    static member Image: image: Imaging.Image -> Plotly.NET.GenericChart

    /// The mutual information by spherical shell around the particle's centre (SpmMap.Shells, `width` Å): mean ±
    /// standard deviation against the distance from the centre.
    static member Shells: map: SpmMap * [<Optional; DefaultParameterValue(2.0)>] width: float -> Plotly.NET.GenericChart

    /// Writes a chart as HTML with plotly.js embedded (opens offline).
    static member Save: chart: Plotly.NET.GenericChart * path: string -> unit

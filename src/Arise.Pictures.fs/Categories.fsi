/// Pictures of categories (classes, clusters): one palette for every verb and the face, so that cluster k has the
/// same colour in the crystal map and in the UMAP embedding; outliers are grey.
module Arise.Pictures.Categories

/// Hex colours for categories 0, 1, …; category k beyond the palette's length takes a colour of its own (golden-angle
/// hues), never a repeat of an earlier one.
val colourHex: k: int -> string

/// The colour of category `k`; light grey for −1 (outliers), dark grey below (the rest, lumped together).
val colour: k: int -> Plotly.NET.Color

/// A scatter plot of 2D points (`points.[i]` = [x; y]) in groups (name, colour category, member indices), with the
/// legend below the plot, where it fits in a PNG.
val scatterChart:
    title: string ->
    xTitle: string ->
    yTitle: string ->
    points: float array array ->
    groups: (string * int * int array) list ->
        Plotly.NET.GenericChart

/// The crystal map by cluster over the grid's scanned axes (central slice of the third): box `boxes.[i]` gets
/// cluster `labels.[i]` (−1 outlier, grey), boxes not listed stay blank; discrete colours of `colour` and a colour bar
/// naming "outlier", "cluster 0" … "cluster (clusters − 1)". Axes in Å.
val clusterMapChart:
    title: string -> g: Arise.Spm.SpmGrid -> boxes: int array -> labels: int array -> clusters: int -> Plotly.NET.GenericChart

/// A scatter plot of 2D points coloured by a continuous value (viridis), with a colour bar titled `colourBar`.
val valueScatterChart:
    title: string ->
    xTitle: string ->
    yTitle: string ->
    points: float array array ->
    values: float array ->
    colourBar: string ->
        Plotly.NET.GenericChart

/// Scatter groups by cluster label (−1 "outlier", grey; k "cluster k", colour k), in label order.
val clusterGroups: labels: int array -> (string * int * int array) list

/// At most this many classes get a colour and a legend entry of their own in classGroups (12).
val shownClasses: int

/// Scatter groups by class name, the most frequent class first (colour 0), ties by name; classes beyond the
/// `shownClasses` most frequent are lumped into one group "N other classes" (category −2, dark grey).
val classGroups: classes: string array -> (string * int * int array) list

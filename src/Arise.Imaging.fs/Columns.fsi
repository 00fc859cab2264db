/// Finding atom columns in a (HAADF) STEM image: the column spacing and size estimated from the image's
/// autocorrelation (or given), background (a grey-scale opening) removed, noise smoothed at the column size, local maxima kept
/// above a noise-aware threshold, refined to sub-pixel positions by parabolas through the smoothed peak, and duplicates merged. Lengths in
/// pixels.
module Arise.Imaging.Columns

/// How columns are found. Lengths in pixels; None means estimated from the image.
type Settings =
    {
        /// Distance between neighbouring columns (px); None: from the autocorrelation's first ring.
        Spacing: float option

        /// Column (probe) standard deviation (px), also the smoothing; None: from the autocorrelation's central peak.
        ColumnSize: float option

        /// A column's peak must exceed this many standard deviations of the smoothed noise (default 5).
        NoiseThreshold: float

        /// …and this fraction of the median column's peak (default 0.1), so that vacancies and hollows stay empty.
        RelativeThreshold: float

        /// Intensity classes (default 1: all columns one class); 2 or more split columns by peak intensity (k-means),
        /// class 0 the dimmest: e.g. C and Si in a HAADF image of doped graphene.
        Classes: int
    }

/// A found column: position (px, pixel centres at integers, y down), peak intensity (background removed, smoothed)
/// and intensity class.
type Column =
    { X: float
      Y: float
      Intensity: float
      Class: int }

/// What was found, with the settings used.
type Found =
    {
        Columns: Column array

        /// Column spacing used (px).
        Spacing: float

        /// Column size (σ, px) used.
        ColumnSize: float

        /// Standard deviation of the pixel noise (image units), estimated from the image.
        Noise: float

        /// The image's pixel size (Å), when known.
        PixelSize: float option
    }

/// Defaults: spacing and size estimated, thresholds 5 σ and 0.1 of the median peak, one class.
val defaults: Settings

/// The column spacing and size (px) estimated from the image's autocorrelation (a central crop of at most
/// 1024 × 1024 pixels), or an error saying why none was found (then give them).
val estimate: image: Image -> Result<float * float, string>

/// Finds the columns. `progress` gets the fraction done (0–1) as rows are scanned. Error for settings out of range
/// or when the spacing cannot be estimated.
val find: settings: Settings -> progress: (float -> unit) -> image: Image -> Result<Found, string>

/// Element names of the intensity classes from text such as "C,Si" (commas, spaces trimmed; empty text: none);
/// Error naming the first that is not an element.
val parseSpecies: text: string -> Result<string list, string>

/// The columns as a flat structure (z = 0, no cell): positions in Å when the pixel size is known (from the file or
/// given), else in pixels; `species` names the intensity classes from dim to bright (the last repeats; default C).
/// Per-atom properties "intensity" and "class".
val toStructure: species: string list -> pixelSize: float option -> found: Found -> Arise.Structure.Structure

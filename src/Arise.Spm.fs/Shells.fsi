/// The uncertainty of a particle's SPM as a function of the distance from its centre: boxes grouped in spherical
/// shells (the paper's finding for the 4D AET series is about the region between the outer shell and the core).
module Arise.Spm.Shells

/// One shell of classified boxes: distances of box centres from the centre in [Inner, Outer) (Å).
type Shell =
    {
        Inner: float
        Outer: float

        /// Classified boxes whose centre lies in the shell.
        Boxes: int

        /// Mean, standard deviation and median of the boxes' mutual information (nats); NaN without boxes.
        MeanMutualInformation: float
        StdMutualInformation: float
        MedianMutualInformation: float

        /// Mean probability of each box's most probable class.
        MeanTopProbability: float

        /// The class most boxes of the shell take, and their share (0–1); "" without boxes.
        MainClass: string
        MainShare: float
    }

/// Shells of `width` (Å, > 0) around `centre`, from 0 to the farthest classified box centre. Boxes not classified
/// (empty or failed) are left out. ArgumentException for a width that is not a positive number.
val profile: width: float -> centre: Arise.Structure.Vec3 -> r: SpmResult -> Shell array

/// The shells that hold boxes as text lines: a header, then distance range (Å), boxes, MI mean and s.d. (nats) and
/// the main class with its share.
val table: shells: Shell array -> string list

/// The shells as CSV (header: inner_A, outer_A, boxes, mi_mean, mi_std, mi_median, top_probability, main_class,
/// main_share).
val toCsv: shells: Shell array -> string

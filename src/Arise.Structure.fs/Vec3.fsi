namespace Arise.Structure

/// A Cartesian 3-vector of float64 (lengths in Å unless stated otherwise).
[<Struct>]
type Vec3 =
    { X: float
      Y: float
      Z: float }

    /// Scaled by s.
    static member (*): a: Vec3 * s: float -> Vec3

    /// Scaled by s.
    static member (*): s: float * a: Vec3 -> Vec3

    /// Sum.
    static member (+): a: Vec3 * b: Vec3 -> Vec3

    /// Difference.
    static member (-): a: Vec3 * b: Vec3 -> Vec3

    /// Negation.
    static member (~-): a: Vec3 -> Vec3

    /// Component k (0 = x, 1 = y, 2 = z).
    member Item: k: int -> float with get

/// Functions over Vec3.
module Vec3 =

    /// The zero vector.
    val zero: Vec3

    /// Builds a vector from three components.
    val inline make: x: float -> y: float -> z: float -> Vec3

    /// Dot product.
    val inline dot: a: Vec3 -> b: Vec3 -> float

    /// Cross product a × b.
    val cross: a: Vec3 -> b: Vec3 -> Vec3

    /// Squared Euclidean length.
    val inline normSquared: a: Vec3 -> float

    /// Euclidean length.
    val inline norm: a: Vec3 -> float

    /// True when every component is finite (no NaN or ±Inf).
    val isFinite: a: Vec3 -> bool

    /// The lower corner of two points: the smaller of each component.
    val inline lower: a: Vec3 -> b: Vec3 -> Vec3

    /// The upper corner of two points: the larger of each component.
    val inline upper: a: Vec3 -> b: Vec3 -> Vec3

    /// Vector from a 3-element array.
    val ofArray: a: float array -> Vec3

    /// The three components as an array.
    val toArray: a: Vec3 -> float array

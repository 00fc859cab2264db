namespace Arise.Structure

/// A Cartesian 3-vector of float64 (lengths in Å unless stated otherwise).
[<Struct>]
type Vec3 =
    { X: float
      Y: float
      Z: float }

    static member (+)(a: Vec3, b: Vec3) =
        { X = a.X + b.X
          Y = a.Y + b.Y
          Z = a.Z + b.Z }

    static member (-)(a: Vec3, b: Vec3) =
        { X = a.X - b.X
          Y = a.Y - b.Y
          Z = a.Z - b.Z }

    static member (*)(s: float, a: Vec3) =
        { X = s * a.X
          Y = s * a.Y
          Z = s * a.Z }

    static member (*)(a: Vec3, s: float) =
        { X = a.X * s
          Y = a.Y * s
          Z = a.Z * s }

    static member (~-)(a: Vec3) = { X = -a.X; Y = -a.Y; Z = -a.Z }

    /// Component k (0 = x, 1 = y, 2 = z).
    member v.Item
        with get (k: int) =
            match k with
            | 0 -> v.X
            | 1 -> v.Y
            | _ -> v.Z

/// Functions over Vec3.
module Vec3 =
    /// The zero vector.
    let zero = { X = 0.0; Y = 0.0; Z = 0.0 }
    /// Builds a vector from three components.
    let inline make x y z = { X = x; Y = y; Z = z }
    /// Dot product.
    let inline dot (a: Vec3) (b: Vec3) = a.X * b.X + a.Y * b.Y + a.Z * b.Z

    /// Cross product a × b.
    let cross (a: Vec3) (b: Vec3) =
        { X = a.Y * b.Z - a.Z * b.Y
          Y = a.Z * b.X - a.X * b.Z
          Z = a.X * b.Y - a.Y * b.X }

    /// Squared Euclidean length.
    let inline normSquared (a: Vec3) = dot a a
    /// Euclidean length.
    let inline norm (a: Vec3) = sqrt (dot a a)

    /// The lower corner of two points: the smaller of each component.
    let inline lower (a: Vec3) (b: Vec3) =
        make (min a.X b.X) (min a.Y b.Y) (min a.Z b.Z)

    /// The upper corner of two points: the larger of each component.
    let inline upper (a: Vec3) (b: Vec3) =
        make (max a.X b.X) (max a.Y b.Y) (max a.Z b.Z)

    /// True when every component is finite (no NaN or ±Inf).
    let isFinite (a: Vec3) =
        System.Double.IsFinite a.X
        && System.Double.IsFinite a.Y
        && System.Double.IsFinite a.Z

    /// Vector from a 3-element array.
    let ofArray (a: float[]) = { X = a.[0]; Y = a.[1]; Z = a.[2] }
    /// The three components as an array.
    let toArray (a: Vec3) = [| a.X; a.Y; a.Z |]

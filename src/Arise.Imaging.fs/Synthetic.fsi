/// Synthetic HAADF STEM images rendered from structures, with the true column positions, so that column finding can be
/// measured without outside data; and the 2D samples to render (doped graphene, a graphene grain boundary, a binary
/// honeycomb).
module Arise.Imaging.Synthetic

/// How an image is rendered. Column intensities go as Z^Exponent, scaled so that a carbon column peaks at 1.
type Settings =
    {
        /// Å per pixel (default 0.1).
        PixelSize: float

        /// Probe standard deviation (Å, default 0.3): each column is a 2D Gaussian of this width.
        ProbeSize: float

        /// Z-contrast exponent (default 1.7).
        Exponent: float

        /// Detected counts at a carbon column's peak, for Poisson noise (default 100; infinity: no shot noise).
        Dose: float

        /// Standard deviation of added Gaussian noise, relative to a carbon column's peak (default 0.05).
        ReadNoise: float

        /// Constant background, relative to a carbon column's peak (default 0.1).
        Background: float

        /// Scan distortion: rms random shift of each scan row along x (px, default 0.3) and the amplitude of a slow
        /// sinusoidal drift along x (px, default 1, one period over the image).
        RowJitter: float
        Drift: float

        /// Empty border around the atoms (Å, default 2).
        Margin: float

        /// Seed of the noise and the distortion.
        Seed: int
    }

/// Defaults: 0.1 Å/px, probe σ 0.3 Å, Z^1.7, 100 counts a carbon column, read noise 0.05, background 0.1, 0.3 px
/// row jitter and 1 px drift, 2 Å margin, seed 1.
val defaults: Settings

/// Renders the projection along z of a structure's atoms (positions in Å): the image, and each atom's column
/// position in pixels (x, y; after the deterministic drift, before the random jitter and noise).
val render: settings: Settings -> s: Arise.Structure.Structure -> Image * (float * float) array

/// A graphene flake of nx × ny orthohexagonal cells (d_NN 1.42 Å), with `dopants` carbon atoms replaced by Si at
/// random sites at least 4 d_NN apart and 2 d_NN inside the edge; a finite structure (per-atom "dopant").
val dopedGraphene: seed: int -> nx: int -> ny: int -> dopants: int -> Arise.Structure.Structure

/// A graphene sheet of `grains` randomly rotated grains (Voronoi, columnar) in a square of `size` Å; atoms closer
/// than 1.1 Å across the boundaries are removed.
val grapheneBoundaries: seed: int -> grains: int -> size: float -> Arise.Structure.Structure

/// A flat honeycomb of two species (atomic numbers zA, zB; bond `d` Å), nx × ny orthohexagonal cells, finite: e.g.
/// hexagonal BN (5, 7) or, projected, a MoS₂-like layer (42, 16).
val binaryHoneycomb: zA: int -> zB: int -> d: float -> nx: int -> ny: int -> Arise.Structure.Structure

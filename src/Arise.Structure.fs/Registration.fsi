/// Rigid registration of two point sets (atoms), species-aware: a particle measured twice (a 4D AET series, two MD
/// frames) brought onto the same axes. Coarse: coherent point drift (rigid, no scale; Myronenko and Song 2010) on
/// subsamples from the 24 orientations of the principal-axis frames, so that any rotation is found; fine: iterative
/// closest points with Kabsch fits on all atoms. Lengths in Å (or the structures' own unit).
module Arise.Structure.Registration

/// The rigid motion that brings `moving` onto `reference`: p ↦ Rotation · p + Translation.
type Alignment =
    {
        /// Rotation matrix, row-major 3 × 3 (proper: determinant +1).
        Rotation: float array

        /// Translation (Å).
        Translation: Vec3

        /// Rotation angle (degrees) and unit axis.
        Angle: float
        Axis: Vec3

        /// Root-mean-square distance of the matched pairs after alignment (Å).
        Rmsd: float

        /// Atoms of `moving` matched to an atom of `reference` of the same species within half the nearest-neighbour
        /// distance, after alignment.
        Matched: int

        /// `moving` with the motion applied (finite: cell and periodicity dropped).
        Aligned: Structure
    }

/// Aligns `moving` onto `reference`. Error when either has fewer than 4 atoms or no species in common.
val align: moving: Structure -> reference: Structure -> Result<Alignment, string>

/// Applies a motion (row-major rotation, translation) to a structure's positions (finite result).
val transform: rotation: float array -> translation: Vec3 -> s: Structure -> Structure

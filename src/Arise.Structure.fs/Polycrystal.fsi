/// Synthetic test samples: Voronoi polycrystals and a superalloy model (what the paper built with AtomsK).
module Arise.Structure.Polycrystal

/// A rotation matrix (rows) applied as R·v.
type Rotation =
    { R0: Arise.Structure.Vec3
      R1: Arise.Structure.Vec3
      R2: Arise.Structure.Vec3 }

/// Applies a rotation.
val rotate: r: Rotation -> v: Arise.Structure.Vec3 -> Arise.Structure.Vec3

/// A uniformly random rotation (random unit quaternion).
val randomRotation: rng: System.Random -> Rotation

/// A rotation about the z axis by `angle` radians (for columnar slab grains).
val rotationZ: angle: float -> Rotation

/// Removes atoms closer than `minDistance` to an earlier kept atom (grain-boundary overlaps); keeps order.
val removeOverlaps: minDistance: float -> s: Arise.Structure.Structure -> Arise.Structure.Structure

/// A Voronoi polycrystal in the box [0, size): one random seed point and one random orientation per grain
/// (`columnar`: rotations about z only, seeds in the mid-plane, as for thin slabs); each grain's crystal fills its
/// Voronoi cell; atoms closer than `minDistance` across boundaries are removed. Per-atom property "grain".
val voronoi:
    seed: int ->
    grains: Arise.Structure.Structure list ->
    size: Arise.Structure.Vec3 ->
    columnar: bool ->
    minDistance: float ->
        Arise.Structure.Structure

/// The superalloy model: an fcc matrix (lattice constant a, Å) filling a cube of edge `size`, Ni with a fraction
/// `alInMatrix` of Al at random sites, and a central cube of edge `precipitate` with L1₂ (Ni₃Al) order: Al on the
/// cube corners, Ni on the face centres. Per-atom property "precipitate" (true inside).
val superalloy: seed: int -> a: float -> size: float -> precipitate: float -> alInMatrix: float -> Arise.Structure.Structure

/// The superalloy model with perAxis³ cubic L1₂ precipitates of edge `precipitate` (Å), one centred in each of the
/// perAxis³ equal cells of the cube (a γ/γ′ microstructure); per-atom property "precipitate" as in superalloy.
val superalloyArray:
    seed: int -> a: float -> size: float -> perAxis: int -> precipitate: float -> alInMatrix: float -> Arise.Structure.Structure

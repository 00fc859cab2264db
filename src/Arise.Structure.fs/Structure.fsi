namespace Arise.Structure

/// Values of one per-atom property: row-major, atoms × columns.
type AtomProperty =
    | Reals of columns: int * values: float array
    | Integers of columns: int * values: int array
    | Logicals of columns: int * values: bool array
    | Texts of columns: int * values: string array

/// An atomic structure: a finite cluster, or a cell periodic along some of its axes.
/// Positions are Cartesian in Å (or in the input's own unit, e.g. pixels for STEM coordinates).
type Structure =
    {

        /// Cartesian positions.
        Positions: Vec3 array

        /// Atomic numbers Z, one per atom.
        Numbers: int array

        /// Lattice vectors, when the structure has a cell.
        Cell: Cell option

        /// Periodicity along A, B, C; all false for clusters.
        Pbc: Pbc

        /// Per-atom properties in file order (name, values), besides species and positions.
        AtomProperties: (string * AtomProperty) list

        /// Per-structure key/value metadata in file order.
        Info: (string * string) list
    }

/// A read setting that a file needs and did not get (the command line and the library name it in their own words).
[<RequireQualifiedAccess>]
type ReadSetting =

    /// The file's format (its name does not tell).
    | Format

    /// The element of each LAMMPS atom type.
    | Types

    /// The range file (mass-to-charge → species) of an atom-probe reconstruction.
    | Ranges

/// What went wrong reading a file: where, and why.
type ReadError =
    {
        File: string

        /// 1-based line number, when the problem is on one line.
        Line: int option
        Message: string

        /// The setting that would let the file be read, when one would.
        Needs: ReadSetting option
    }

    /// "file:line: message"; control characters of a binary file's text become '?' and a long message is cut.
    override ToString: unit -> string

    /// ToString, followed by the missing setting as `name` calls it (" (--format)" on the command line).
    member Describe: name: (ReadSetting -> string) -> string

/// SHA-256 of atoms fed one by one (atomic number as int32, then x, y, z as float64, little-endian): Structure.digest
/// of a structure held whole, or of one streamed from a file.
type internal AtomDigest =
    new: unit -> AtomDigest
    member Add: number: int * p: Vec3 -> unit
    member Hex: unit -> string

/// Pure functions over structures.
module Structure =

    /// Number of atoms.
    val count: s: Structure -> int

    /// Builds a structure; positions and numbers must have the same length.
    val create: positions: Vec3 array -> numbers: int array -> cell: Cell option -> pbc: Pbc -> Structure

    /// A finite cluster (no cell, no periodicity).
    val cluster: positions: Vec3 array -> numbers: int array -> Structure

    /// A structure periodic along all three lattice vectors.
    val periodic: cell: Cell -> positions: Vec3 array -> numbers: int array -> Structure

    /// True when periodic along at least one axis.
    val isPeriodic: s: Structure -> bool

    /// Distinct atomic numbers, ascending.
    val species: s: Structure -> int array

    /// (atomic number, count) pairs, ascending by atomic number.
    val speciesCounts: s: Structure -> (int * int) array

    /// The structure with every atom of one species: the most common element (ties: the lighter). For atom columns
    /// found in an image, whose chemistry is not reliable.
    val asOneSpecies: s: Structure -> Structure

    /// Chemical formula in Hill order (C, H, then alphabetical; alphabetical without carbon), e.g. "Cu3Au".
    val formula: s: Structure -> string

    /// A fully periodic cell whose volume is below this fraction of |a|·|b|·|c| is refused as nearly flat: its
    /// neighbour search would need millions of images (a rhombohedral cell with 5° angles still has 0.007).
    val nearlyFlat: float

    /// Largest lattice-vector component of a periodic cell (Å) that is accepted: 10⁹ Å, far beyond any simulation
    /// box, and small enough that volumes and images stay finite.
    val maxCellEdge: float

    /// The shortest lattice vector along a periodic axis (the input's length unit, Å usually): the distance below
    /// which atoms are taken to overlap.
    val minLatticeVector: float

    /// Checks invariants: equal lengths, finite positions, known elements, a non-singular (and, when fully periodic,
    /// not nearly flat) cell where periodic, with lattice vectors of at least minLatticeVector along periodic axes.
    val validate: s: Structure -> Result<Structure, string>

    /// Multiplies positions and cell by s (an isotropic rescaling).
    val scale: factor: float -> s: Structure -> Structure

    /// Adds a vector to every position.
    val translate: shift: Vec3 -> s: Structure -> Structure

    /// Applies a linear map (e.g. a rotation) to positions and cell.
    val transform: f: (Vec3 -> Vec3) -> s: Structure -> Structure

    /// The sub-structure made of the atoms at the given indices (in that order), properties kept.
    val select: indices: int array -> s: Structure -> Structure

    /// Drops the cell and periodicity, giving a finite cluster with the same positions.
    val toCluster: s: Structure -> Structure

    /// Adds or replaces a per-atom property.
    val withProperty: name: string -> p: AtomProperty -> s: Structure -> Structure

    /// Adds or replaces a per-structure info entry.
    val withInfo: key: string -> value: string -> s: Structure -> Structure

    /// Mean position of the atoms (the origin when there are none).
    val centroid: s: Structure -> Vec3

    /// Axis-aligned bounding box (min corner, max corner) of the positions.
    val bounds: s: Structure -> Vec3 * Vec3

    /// SHA-256 (hex) of the atoms in order: each atomic number and position, not the cell or the properties. Two samples
    /// with the same digest give the same boxes in SPM.
    val digest: s: Structure -> string

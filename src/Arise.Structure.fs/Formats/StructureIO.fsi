/// Reading and writing structure files: format chosen from the file name, overridable.
module Arise.Structure.StructureIO

/// The file formats Arise reads.
[<RequireQualifiedAccess>]
type Format =
    | Xyz
    | Aims
    | Poscar
    | Cif
    | LammpsData
    | LammpsDump
    | Pos
    | Epos
    /// APSuite 6 / IVAS 4 .apt (binary sections; Position and Mass used).
    | Apt

/// Options for reading: an explicit format, the LAMMPS type → element map, and whether every atom is read as one
/// species (Structure.asOneSpecies: the most common element), for atom columns whose chemistry is not reliable.
type ReadOptions =
    {
        Format: Format option
        LammpsTypes: Arise.Structure.Formats.Lammps.TypeMap
        OneSpecies: bool

        /// The range file of atom-probe reconstructions (.pos, .epos), and what to do with unranged and molecular ions.
        Ranges: string option
        AtomProbe: Arise.Structure.Formats.AtomProbe.Mapping
    }

/// Defaults: format from the extension, no LAMMPS type map, species as in the file.
val defaults: ReadOptions

/// Parses a format name as given on the command line (xyz, extxyz, aims, poscar, vasp, cif, lammps-data, lammps-dump,
/// pos, epos).
val tryParseFormat: name: string -> Format option

/// Guesses the format from a file name, or None.
val formatOfPath: path: string -> Format option

/// Parses text in a known format into all its frames.
val parseText:
    options: ReadOptions ->
    format: Format ->
    name: string ->
    text: string ->
        Result<Arise.Structure.Structure list, Arise.Structure.ReadError>

/// The largest structure file read (bytes): 1 GB.
val maxFileBytes: int64

/// Reads every frame of a file (a regular file of at most maxFileBytes). Errors name the file (and the line where one
/// is at fault).
val readAllWith: options: ReadOptions -> path: string -> Result<Arise.Structure.Structure list, Arise.Structure.ReadError>

/// Reads the first (or only) frame of a file.
val readWith: options: ReadOptions -> path: string -> Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// The part of a sample that one process of several reads (readPart), with what it needs of the whole sample.
type SamplePart =
    {
        /// The kept atoms in file order, with their per-atom properties and the sample's cell, periodicity and info.
        Part: Arise.Structure.Structure

        /// The index of each kept atom in the whole sample (0-based, ascending).
        Indices: int array

        /// Atoms in the whole sample.
        Count: int

        /// The whole sample's bounds (Structure.bounds) and centroid (Structure.centroid), bit for bit.
        Lo: Arise.Structure.Vec3
        Hi: Arise.Structure.Vec3
        Centroid: Arise.Structure.Vec3

        /// Structure.digest of the whole sample.
        Digest: string

        /// True when the file was streamed (only the kept atoms held: .pos, .epos, .apt, xyz, extended XYZ and LAMMPS dumps); false when
        /// it was read whole, then cut.
        Streamed: bool
    }

/// Reads the first frame of a file keeping only the atoms whose position `keep` accepts, as readWith and then a
/// selection would, but streaming .pos, .epos, .apt, xyz, extended XYZ and LAMMPS dump files (no size limit; only the kept
/// atoms are held; of an XYZ file or a dump only the first frame is read, so a damaged later frame is no error here). Other formats, and
/// OneSpecies, are read whole (maxFileBytes), then cut. Errors as readWith.
val readPart: options: ReadOptions -> path: string -> keep: (Arise.Structure.Vec3 -> bool) -> Result<SamplePart, Arise.Structure.ReadError>

/// The count and bounds of the atoms in one piece of a sample that can be read in pieces (extentOfPiece).
type Extent =
    {
        /// Atoms in the piece.
        Count: int64

        /// Their lowest and highest corner (Å); zero when the piece has none.
        Lo: Arise.Structure.Vec3
        Hi: Arise.Structure.Vec3
    }

/// The count and bounds of the atoms of piece k of n of an atom-probe file (.pos, .epos, .apt with a range file: ions
/// ⌊ions·k/n⌋ … ⌊ions·(k+1)/n⌋ − 1), as readPart gathers them: over the n pieces the counts sum to its Count and the
/// bounds span its Lo … Hi, bit for bit. n processes each read one piece instead of the whole file. None for other
/// files (and OneSpecies), which are not read in pieces; Errors as readPart, except that a piece may hold no atom.
/// ArgumentException unless 0 ≤ k < n.
val extentOfPiece: options: ReadOptions -> path: string -> k: int -> n: int -> Result<Extent, Arise.Structure.ReadError> option

/// Reads the first (or only) frame with default options.
val read: path: string -> Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Reads every frame with default options.
val readAll: path: string -> Result<Arise.Structure.Structure list, Arise.Structure.ReadError>

/// Writes frames as extended XYZ to a file.
val writeXyz: path: string -> frames: Arise.Structure.Structure seq -> unit

/// Writes a POSCAR file; Error when the structure has no cell.
val writePoscar: path: string -> s: Arise.Structure.Structure -> Result<unit, string>

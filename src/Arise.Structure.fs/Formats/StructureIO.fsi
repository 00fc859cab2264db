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

/// Reads the first (or only) frame with default options.
val read: path: string -> Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Reads every frame with default options.
val readAll: path: string -> Result<Arise.Structure.Structure list, Arise.Structure.ReadError>

/// Writes frames as extended XYZ to a file.
val writeXyz: path: string -> frames: Arise.Structure.Structure seq -> unit

/// Writes a POSCAR file; Error when the structure has no cell.
val writePoscar: path: string -> s: Arise.Structure.Structure -> Result<unit, string>

/// XYZ and extended XYZ (ASE/OVITO conventions: Lattice=, Properties=, pbc=), multi-frame.
module Arise.Structure.Formats.Xyz

/// Parses the key=value pairs of an extended-XYZ comment line ("..." quotes allowed; bare keys are "T").
val internal parseComment: line: int -> comment: string -> (string * string) list

/// Parses every frame of an (extended) XYZ text. `file` names the source in errors.
val parse: file: string -> text: string -> Result<Arise.Structure.Structure list, Arise.Structure.ReadError>

/// Writes one frame as extended XYZ (positions with round-trip precision; per-atom properties kept).
val write: s: Arise.Structure.Structure -> string

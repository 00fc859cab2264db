/// XYZ and extended XYZ (ASE/OVITO conventions: Lattice=, Properties=, pbc=), multi-frame.
module Arise.Structure.Formats.Xyz

/// Parses the key=value pairs of an extended-XYZ comment line ("..." quotes allowed; bare keys are "T").
val internal parseComment: line: int -> comment: string -> (string * string) list

/// Parses every frame of an (extended) XYZ text. `file` names the source in errors.
val parse: file: string -> text: string -> Result<Arise.Structure.Structure list, Arise.Structure.ReadError>

/// Streams the first frame of an (extended) XYZ text, line by line: `visit position number` is called for every atom,
/// in order, and says whether to keep it. Returns the kept atoms (with their per-atom properties) and the frame's
/// cell, periodicity and info, as parse and a selection would give them; the frames after the first are not read.
/// `file` names the source in errors.
val streamFirst:
    file: string ->
    reader: System.IO.TextReader ->
    visit: (Arise.Structure.Vec3 -> int -> bool) ->
        Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Writes one frame as extended XYZ (positions with round-trip precision; per-atom properties kept).
val write: s: Arise.Structure.Structure -> string

/// Writes one frame as extended XYZ to a writer, atom by atom (the text of the whole frame is never held).
val writeTo: writer: System.IO.TextWriter -> s: Arise.Structure.Structure -> unit

/// The two header lines of a frame of `count` atoms with the cell, per-atom properties and info of `s` (which may hold
/// fewer atoms: a part of the frame, its other atoms written elsewhere).
val writeHeaderTo: writer: System.IO.TextWriter -> count: int -> s: Arise.Structure.Structure -> unit

/// The lines of atoms `atoms` of `s` (0-based indices), in that order, as writeTo writes them (formatted on all cores).
val writeAtomsTo: writer: System.IO.TextWriter -> s: Arise.Structure.Structure -> atoms: int seq -> unit

/// writeTo as UTF-8 bytes to a stream (no text of the atoms made on the way).
val writeUtf8: stream: System.IO.Stream -> s: Arise.Structure.Structure -> unit

/// writeAtomsTo as UTF-8 bytes to a stream (no text made on the way).
val writeAtomsUtf8: stream: System.IO.Stream -> s: Arise.Structure.Structure -> atoms: int seq -> unit

/// The lines of atoms `atoms` of `s`, in that order, as writeAtomsTo writes them, in UTF-8, in blocks of `perBlock`
/// lines (the last fewer): each block's bytes and where each of its lines ends in them (the offset just past its '\n').
val atomLinesUtf8: s: Arise.Structure.Structure -> atoms: int array -> perBlock: int -> (byte array * int array) array

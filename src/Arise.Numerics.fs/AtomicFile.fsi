/// Writing files so that a reader never sees half of one: the content goes to PATH.partial, which is then renamed
/// over PATH. Killed midway, or failing, a write leaves the previous PATH as it was (and no .partial after a failure).
module Arise.Numerics.AtomicFile

/// Writes PATH through `write tmp` (which writes the whole content to the temporary path it is given).
val write: path: string -> write: (string -> unit) -> unit

/// Writes text to PATH atomically (see write).
val writeText: path: string -> text: string -> unit

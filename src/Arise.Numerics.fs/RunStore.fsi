/// The one place that keeps a run's work on disk so that an interrupted run resumes and a changed run starts afresh:
/// a folder is stamped with the run's fingerprint (or settings text), and each saved part carries the fingerprint,
/// its index and a SHA-256 of its arrays, so that a damaged or foreign part is never used. SPM chunks, the
/// training-set descriptor cache and tune's trial history all go through it.
module Arise.Numerics.RunStore

/// SHA-256 (upper-case hex) of byte blocks, in order.
val sha256: blocks: byte array seq -> string

/// SHA-256 of named arrays, in name order: each name's UTF-8 bytes, then the array's data (the order the arrays
/// are given or stored in does not matter).
val checksum: arrays: (string * Npy.NpyArray) list -> string

/// What to do with a folder stamped by another run.
[<RequireQualifiedAccess>]
type Foreign =

    /// Delete its parts (the files matching the pattern, e.g. "chunk_*.npz") and take the folder for this run.
    | Replace of pattern: string

    /// Leave it alone and return Error with the stamp found.
    | Refuse

/// Claims `folder` (created when missing) for the run stamped `stamp`, the stamp kept in the file `stampName`:
/// Ok true when the folder already held this run (its parts may be reused), Ok false when it is new or was replaced,
/// Error with the other run's stamp when `onForeign` is Refuse.
val claim: folder: string -> stampName: string -> stamp: string -> onForeign: Foreign -> Result<bool, string>

/// The stamp in `folder/stampName`, when there is one.
val tryStamp: folder: string -> stampName: string -> string option

/// Saves named arrays as part `index` of run `stamp` at `path` (.npz, written atomically), with the run, the index
/// and the arrays' checksum beside them.
val savePart: path: string -> stamp: string -> index: int -> arrays: (string * Npy.NpyArray) list -> unit

/// Reads part `index` of run `stamp` at `path` array by array, in the order of their names, each given to `take name
/// dtype shape data` (`data`: its bytes, valid during the call only; false refuses the part). True when the file is
/// there, of this run and whole (checksum) and every take accepted its array; after false, what the takes kept is not
/// to be used (the checksum is known only at the end). One buffer for all arrays: no array is copied on the way.
val tryReadPart:
    path: string -> stamp: string -> index: int -> take: (string -> string -> int list -> System.ArraySegment<byte> -> bool) -> bool

/// The arrays of part `index` of run `stamp` at `path`, when the file is there, whole (checksum) and of this run;
/// None otherwise (the caller computes the part again).
val tryLoadPart: path: string -> stamp: string -> index: int -> Map<string, Npy.NpyArray> option

/// Reads a float32 vector of `count` values cached at `path`, when the file has exactly that size.
val tryLoadFloats: path: string -> count: int -> float32 array option

/// Writes a float32 vector to `path` atomically (through PATH.partial).
val saveFloats: path: string -> data: float32 array -> unit

/// NumPy `.npy` arrays and `.npz` archives (uncompressed zip), so that Python users can read our data with numpy.load.
module Arise.Numerics.Npy

/// An array to store: dtype, shape and little-endian bytes.
type NpyArray =
    { Descr: string
      Shape: int list
      Data: byte array }

/// The bytes of a .npy file.
val toBytes: a: NpyArray -> byte array

/// float32 matrix rows × cols.
val float32Matrix: rows: int -> cols: int -> data: float32 array -> NpyArray

/// float64 vector.
val float64Vector: data: float array -> NpyArray

/// int32 vector.
val int32Vector: data: int array -> NpyArray

/// Unicode string vector (fixed width, UTF-32 as numpy stores it).
val stringVector: data: string array -> NpyArray

/// Writes named arrays as an .npz archive (written to a temporary file, then moved: no half-written archives).
val writeNpz: path: string -> arrays: (string * NpyArray) list -> unit

/// The header of the .npy array in the first `length` bytes of `bytes`: its dtype, its shape and where its data begin;
/// Error when it is not one.
val internal headerOf: bytes: byte array -> length: int -> Result<string * int list * int, string>

/// Reads one .npy payload: dtype descr, shape, data bytes. Error on anything unexpected.
val parse: bytes: byte array -> Result<NpyArray, string>

/// Reads every array of an .npz archive by name (without the .npy suffix).
val readNpz: path: string -> Result<Map<string, NpyArray>, string>

/// Data of a float32 array.
val asFloat32: a: NpyArray -> float32 array

/// Data of a float64 array.
val asFloat64: a: NpyArray -> float array

/// Data of an int32 array.
val asInt32: a: NpyArray -> int array

/// Data of a fixed-width unicode array.
val asStrings: a: NpyArray -> string array

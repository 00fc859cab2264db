/// NumPy `.npy` arrays and `.npz` archives (uncompressed zip), so that Python users can read our data with numpy.load.
module Arise.Numerics.Npy

open System
open System.IO
open System.IO.Compression
open System.Text

/// An array to store: dtype, shape and little-endian bytes.
type NpyArray =
    { Descr: string
      Shape: int list
      Data: byte[] }

let private header (descr: string) (shape: int list) =
    let shapeText =
        match shape with
        | [ n ] -> sprintf "(%d,)" n
        | dims -> "(" + String.Join(", ", dims) + ")"

    let dict =
        sprintf "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" descr shapeText
    // magic (6) + version (2) + header length (2) + dict + padding + '\n', total a multiple of 64
    let unpadded = 10 + dict.Length + 1
    let pad = (64 - unpadded % 64) % 64
    dict + String(' ', pad) + "\n"

/// Writes the .npy file of `a` to `s`: its header, then its data as it is (no copy of it made).
let private writeTo (s: Stream) (a: NpyArray) =
    let h = Encoding.ASCII.GetBytes(header a.Descr a.Shape)
    s.Write([| 0x93uy; byte 'N'; byte 'U'; byte 'M'; byte 'P'; byte 'Y'; 1uy; 0uy |], 0, 8)
    s.Write(BitConverter.GetBytes(uint16 h.Length), 0, 2)
    s.Write(h, 0, h.Length)
    s.Write(a.Data, 0, a.Data.Length)

/// The bytes of a .npy file.
let toBytes (a: NpyArray) =
    use ms = new MemoryStream()
    writeTo ms a
    ms.ToArray()

let private bytesOf (xs: 'T[]) (size: int) =
    let b = Array.zeroCreate (xs.Length * size)
    Buffer.BlockCopy(xs, 0, b, 0, b.Length)
    b

/// float32 matrix rows × cols.
let float32Matrix (rows: int) (cols: int) (data: float32[]) =
    { Descr = "<f4"
      Shape = [ rows; cols ]
      Data = bytesOf data 4 }

/// float64 vector.
let float64Vector (data: float[]) =
    { Descr = "<f8"
      Shape = [ data.Length ]
      Data = bytesOf data 8 }

/// int32 vector.
let int32Vector (data: int[]) =
    { Descr = "<i4"
      Shape = [ data.Length ]
      Data = bytesOf data 4 }

/// Unicode string vector (fixed width, UTF-32 as numpy stores it).
let stringVector (data: string[]) =
    let width = data |> Array.fold (fun m s -> max m s.Length) 1
    let b = Array.zeroCreate (data.Length * width * 4)

    data
    |> Array.iteri (fun i s ->
        for k in 0 .. s.Length - 1 do
            let bytes = BitConverter.GetBytes(int s.[k])
            Buffer.BlockCopy(bytes, 0, b, (i * width + k) * 4, 4))

    { Descr = sprintf "<U%d" width
      Shape = [ data.Length ]
      Data = b }

/// Writes named arrays as an .npz archive (written to a temporary file, then moved: no half-written archives).
let writeNpz (path: string) (arrays: (string * NpyArray) list) =
    AtomicFile.write path (fun tmp ->
        use fs = File.Create tmp
        use zip = new ZipArchive(fs, ZipArchiveMode.Create)

        for name, a in arrays do
            let entry = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression)
            use s = entry.Open()
            writeTo s a)

/// Reads one .npy payload: dtype descr, shape, data bytes. Error on anything unexpected.
let headerOf (bytes: byte[]) (length: int) : Result<string * int list * int, string> =
    if
        length < 10
        || bytes.[0] <> 0x93uy
        || Encoding.ASCII.GetString(bytes, 1, 5) <> "NUMPY"
    then
        Error "not a .npy array"
    else
        let major = bytes.[6]

        let hlen, start =
            if major = 1uy then
                int (BitConverter.ToUInt16(bytes, 8)), 10
            else
                int (BitConverter.ToUInt32(bytes, 8)), 12

        if hlen < 0 || start + hlen > length then
            Error "truncated .npy header"
        else
            let h = Encoding.ASCII.GetString(bytes, start, hlen)

            let descr =
                Text.RegularExpressions.Regex.Match(h, "'descr':\\s*'([^']+)'").Groups.[1].Value

            let shapeText =
                Text.RegularExpressions.Regex.Match(h, "'shape':\\s*\\(([^)]*)\\)").Groups.[1].Value

            if h.Contains "'fortran_order': True" then
                Error "Fortran-ordered arrays are not supported"
            else
                let shape =
                    shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
                    |> Array.map int
                    |> List.ofArray

                Ok(descr, shape, start + hlen)

let parse (bytes: byte[]) : Result<NpyArray, string> =
    headerOf bytes bytes.Length
    |> Result.map (fun (descr, shape, start) ->
        { Descr = descr
          Shape = shape
          Data = bytes.[start..] })

/// Reads every array of an .npz archive by name (without the .npy suffix).
let readNpz (path: string) : Result<Map<string, NpyArray>, string> =
    try
        use zip = ZipFile.OpenRead path

        let results =
            [ for e in zip.Entries do
                  use s = e.Open()
                  // sized by the entry's length when it is plausible (deflate packs at most 1032:1), so that the
                  // stream neither grows nor is copied out when the entry holds what it says
                  let sized =
                      e.Length > 0L
                      && e.Length < int64 Int32.MaxValue
                      && e.Length <= 1032L * e.CompressedLength + 1024L

                  use ms = new MemoryStream(if sized then int e.Length else 0)
                  s.CopyTo ms

                  let bytes =
                      if sized && ms.Length = int64 ms.Capacity then
                          ms.GetBuffer()
                      else
                          ms.ToArray()

                  yield e.Name.Replace(".npy", ""), parse bytes ]

        match
            results
            |> List.tryPick (fun (n, r) ->
                match r with
                | Error e -> Some(n + ": " + e)
                | _ -> None)
        with
        | Some e -> Error(sprintf "%s: %s" path e)
        | None ->
            Ok(
                results
                |> List.map (fun (n, r) ->
                    n,
                    (match r with
                     | Ok a -> a
                     | Error _ -> failwith "unreachable"))
                |> Map.ofList
            )
    with
    | :? InvalidDataException as ex -> Error(sprintf "%s: not a readable .npz archive (%s)" path ex.Message)
    | :? IOException as ex -> Error(sprintf "%s: %s" path ex.Message)
    | :? UnauthorizedAccessException when Directory.Exists path -> Error(sprintf "%s: is a folder, not an .npz file" path)
    | :? UnauthorizedAccessException -> Error(sprintf "%s: permission denied" path)

/// Data of a float32 array.
let asFloat32 (a: NpyArray) : float32[] =
    let r = Array.zeroCreate (a.Data.Length / 4)
    Buffer.BlockCopy(a.Data, 0, r, 0, a.Data.Length)
    r

/// Data of a float64 array.
let asFloat64 (a: NpyArray) : float[] =
    let r = Array.zeroCreate (a.Data.Length / 8)
    Buffer.BlockCopy(a.Data, 0, r, 0, a.Data.Length)
    r

/// Data of an int32 array.
let asInt32 (a: NpyArray) : int[] =
    let r = Array.zeroCreate (a.Data.Length / 4)
    Buffer.BlockCopy(a.Data, 0, r, 0, a.Data.Length)
    r

/// Data of a fixed-width unicode array.
let asStrings (a: NpyArray) : string[] =
    let width = int (a.Descr.Substring 2)
    let n = a.Data.Length / (4 * width)

    Array.init n (fun i ->
        let sb = StringBuilder()

        for k in 0 .. width - 1 do
            let c = BitConverter.ToInt32(a.Data, (i * width + k) * 4)

            if c <> 0 then
                sb.Append(char c) |> ignore

        sb.ToString())

module Arise.Numerics.RunStore

open System
open System.IO
open System.Security.Cryptography

let sha256 (blocks: byte[] seq) =
    use sha = IncrementalHash.CreateHash HashAlgorithmName.SHA256

    for b in blocks do
        sha.AppendData b

    Convert.ToHexString(sha.GetHashAndReset())

/// Adds an array to a checksum: its name, then its data.
let private addArray (sha: IncrementalHash) (name: string) (data: ArraySegment<byte>) =
    sha.AppendData(Text.Encoding.UTF8.GetBytes name)
    sha.AppendData(data.Array, data.Offset, data.Count)

let checksum (arrays: (string * Npy.NpyArray) list) =
    use sha = IncrementalHash.CreateHash HashAlgorithmName.SHA256

    for name, a in List.sortBy fst arrays do
        addArray sha name (ArraySegment a.Data)

    Convert.ToHexString(sha.GetHashAndReset())

[<RequireQualifiedAccess>]
type Foreign =
    | Replace of pattern: string
    | Refuse

let tryStamp (folder: string) (stampName: string) =
    let file = Path.Combine(folder, stampName)

    if File.Exists file then
        Some(File.ReadAllText(file).Trim())
    else
        None

let claim (folder: string) (stampName: string) (stamp: string) (onForeign: Foreign) : Result<bool, string> =
    Directory.CreateDirectory folder |> ignore
    let file = Path.Combine(folder, stampName)

    match tryStamp folder stampName with
    | Some s when s = stamp.Trim() -> Ok true
    | Some s when onForeign = Foreign.Refuse -> Error s
    | found ->
        match onForeign with
        | Foreign.Replace pattern when found.IsSome ->
            for f in Directory.GetFiles(folder, pattern) do
                File.Delete f
        | _ -> ()

        AtomicFile.writeText file stamp
        Ok false

/// Keys of the bookkeeping arrays beside a part's own.
let private runKey = "run"
let private checksumKey = "checksum"

let savePart (path: string) (stamp: string) (index: int) (arrays: (string * Npy.NpyArray) list) =
    Npy.writeNpz
        path
        (arrays
         @ [ runKey, Npy.stringVector [| stamp; string index |]
             checksumKey, Npy.stringVector [| checksum arrays |] ])

let tryReadPart (path: string) (stamp: string) (index: int) (take: string -> string -> int list -> ArraySegment<byte> -> bool) =
    File.Exists path
    && try
        use zip = IO.Compression.ZipFile.OpenRead path
        // one buffer for every array, as long as the longest
        let mutable buffer = Array.zeroCreate<byte> 0

        let read (e: IO.Compression.ZipArchiveEntry) =
            if e.Length < 0L || e.Length > int64 Array.MaxLength then
                Error "too long"
            else
                let n = int e.Length

                if buffer.Length < n then
                    buffer <- Array.zeroCreate n

                use s = e.Open()
                s.ReadExactly(buffer, 0, n)

                Npy.headerOf buffer n
                |> Result.map (fun (descr, shape, start) -> descr, shape, ArraySegment(buffer, start, n - start))

        // by name, in checksum's order
        let entries =
            zip.Entries
            |> Seq.map (fun e -> e.Name.Replace(".npy", ""), e)
            |> Seq.sortBy fst
            |> List.ofSeq

        let strings (key: string) =
            match entries |> List.tryFind (fst >> (=) key) |> Option.map (snd >> read) with
            | Some(Ok(descr, shape, data)) ->
                Npy.asStrings
                    { Descr = descr
                      Shape = shape
                      Data = data.ToArray() }
            | _ -> [||]

        let expected = strings checksumKey

        if strings runKey <> [| stamp; string index |] || expected.Length <> 1 then
            false
        else
            use sha = IncrementalHash.CreateHash HashAlgorithmName.SHA256

            let taken =
                entries
                |> List.filter (fun (k, _) -> k <> runKey && k <> checksumKey)
                |> List.forall (fun (key, e) ->
                    match read e with
                    | Ok(descr, shape, data) ->
                        addArray sha key data
                        take key descr shape data
                    | Error _ -> false)

            taken && Convert.ToHexString(sha.GetHashAndReset()) = expected.[0]
       with _ ->
           false

let tryLoadPart (path: string) (stamp: string) (index: int) =
    let arrays = Collections.Generic.List<string * Npy.NpyArray>()

    let whole =
        tryReadPart path stamp index (fun key descr shape data ->
            arrays.Add(
                key,
                { Descr = descr
                  Shape = shape
                  Data = data.ToArray() }
            )

            true)

    if whole then Some(Map.ofSeq arrays) else None

let tryLoadFloats (path: string) (count: int) =
    if File.Exists path && FileInfo(path).Length = int64 count * 4L then
        let bytes = File.ReadAllBytes path
        let a: float32[] = Array.zeroCreate count
        Buffer.BlockCopy(bytes, 0, a, 0, bytes.Length)
        Some a
    else
        None

let saveFloats (path: string) (data: float32[]) =
    let bytes = Array.zeroCreate (data.Length * 4)
    Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length)
    AtomicFile.write path (fun tmp -> File.WriteAllBytes(tmp, bytes))

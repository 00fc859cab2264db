module Arise.Numerics.RunStore

open System
open System.IO
open System.Security.Cryptography

let sha256 (blocks: byte[] seq) =
    use sha = IncrementalHash.CreateHash HashAlgorithmName.SHA256

    for b in blocks do
        sha.AppendData b

    Convert.ToHexString(sha.GetHashAndReset())

let checksum (arrays: (string * Npy.NpyArray) list) =
    sha256 (
        seq {
            for name, a in List.sortBy fst arrays do
                Text.Encoding.UTF8.GetBytes name
                a.Data
        }
    )

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

let tryLoadPart (path: string) (stamp: string) (index: int) =
    if not (File.Exists path) then
        None
    else
        match Npy.readNpz path with
        | Error _ -> None
        | Ok m ->
            try
                let own = m |> Map.filter (fun k _ -> k <> runKey && k <> checksumKey)

                if
                    Npy.asStrings m.[runKey] = [| stamp; string index |]
                    && Npy.asStrings m.[checksumKey] = [| checksum (Map.toList own) |]
                then
                    Some own
                else
                    None
            with _ ->
                None

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

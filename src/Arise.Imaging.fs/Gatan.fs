/// Gatan DigitalMicrograph files (.dm3, .dm4): the tag tree, read with bounds checks, and the largest image in it.
/// Layout (Gatan's documented tag format, as ncempy and HyperSpy read it): a header of version (3 or 4), root length
/// and byte order, all big-endian; then tag groups (20) and data tags (21) whose type descriptions are big-endian and
/// whose values are in the file's byte order. DM4 widens counts and lengths to 8 bytes and adds a size to each tag.
module internal Arise.Imaging.Gatan

open System
open System.Buffers.Binary

exception internal Malformed of string

/// A data tag's value: a number, text, a numeric array left in the file (offset, element type, count), or other.
type internal Value =
    | Number of float
    | Text of string
    | Numbers of offset: int64 * elementType: int * count: int64
    | Other

type internal Tag =
    | Group of (string * Tag) list
    | Data of Value

let internal sizeOf (t: int) =
    match t with
    | 2
    | 4 -> 2
    | 3
    | 5
    | 6 -> 4
    | 7
    | 11
    | 12 -> 8
    | 8
    | 9
    | 10 -> 1
    | _ -> 0

type internal Reader(bytes: byte array, version: int, little: bool) =
    let mutable pos = 0L
    member _.Pos = pos
    member _.Bytes = bytes

    member _.Need(n: int64) =
        if n < 0L || pos + n > int64 bytes.Length then
            raise (Malformed(sprintf "ends early (a value of %d bytes at byte %d of %d)" n pos bytes.Length))

    member r.Byte() =
        r.Need 1L
        let b = bytes.[int pos]
        pos <- pos + 1L
        int b

    member r.Skip(n: int64) =
        r.Need n
        pos <- pos + n

    member r.BigInt32() =
        r.Need 4L
        let v = BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, int pos, 4))
        pos <- pos + 4L
        int64 v

    member r.BigInt64() =
        r.Need 8L
        let v = BinaryPrimitives.ReadInt64BigEndian(ReadOnlySpan(bytes, int pos, 8))
        pos <- pos + 8L
        v

    /// A count or length: 4 bytes in DM3, 8 in DM4 (big-endian).
    member r.Count() =
        if version = 4 then r.BigInt64() else r.BigInt32()

    member r.UInt16Big() =
        r.Need 2L
        let v = BinaryPrimitives.ReadUInt16BigEndian(ReadOnlySpan(bytes, int pos, 2))
        pos <- pos + 2L
        int v

    /// A value of element type t at byte offset o, in the file's byte order.
    member _.ValueAt(t: int, o: int64) : float =
        let s = ReadOnlySpan(bytes, int o, sizeOf t)

        match t with
        | 2 ->
            float (
                if little then
                    BinaryPrimitives.ReadInt16LittleEndian s
                else
                    BinaryPrimitives.ReadInt16BigEndian s
            )
        | 3 ->
            float (
                if little then
                    BinaryPrimitives.ReadInt32LittleEndian s
                else
                    BinaryPrimitives.ReadInt32BigEndian s
            )
        | 4 ->
            float (
                if little then
                    BinaryPrimitives.ReadUInt16LittleEndian s
                else
                    BinaryPrimitives.ReadUInt16BigEndian s
            )
        | 5 ->
            float (
                if little then
                    BinaryPrimitives.ReadUInt32LittleEndian s
                else
                    BinaryPrimitives.ReadUInt32BigEndian s
            )
        | 6 ->
            float (
                if little then
                    BinaryPrimitives.ReadSingleLittleEndian s
                else
                    BinaryPrimitives.ReadSingleBigEndian s
            )
        | 7 ->
            if little then
                BinaryPrimitives.ReadDoubleLittleEndian s
            else
                BinaryPrimitives.ReadDoubleBigEndian s
        | 8
        | 10 -> float s.[0]
        | 9 -> float (sbyte s.[0])
        | 11 ->
            float (
                if little then
                    BinaryPrimitives.ReadInt64LittleEndian s
                else
                    BinaryPrimitives.ReadInt64BigEndian s
            )
        | 12 ->
            float (
                if little then
                    BinaryPrimitives.ReadUInt64LittleEndian s
                else
                    BinaryPrimitives.ReadUInt64BigEndian s
            )
        | _ -> nan

/// The largest number of tags in one group, of type descriptions in one tag, and of nested groups.
let private maxTags = 1_000_000L
let private maxInfo = 1000L
let private maxDepth = 64

let rec private readGroup (r: Reader) (version: int) (depth: int) : Tag =
    if depth > maxDepth then
        raise (Malformed "tag groups nested too deeply")

    r.Skip 2L // sorted, open
    let n = r.Count()

    if n < 0L || n > maxTags then
        raise (Malformed(sprintf "a tag group of %d tags" n))

    let tags = ResizeArray()
    let mutable i = 0L
    let mutable stop = false

    while not stop && i < n do
        let kind = r.Byte()

        if kind = 0 then
            stop <- true
        else
            let nameLength = r.UInt16Big()
            r.Need(int64 nameLength)
            let start = int r.Pos
            r.Skip(int64 nameLength)

            let name = Text.Encoding.Latin1.GetString(ReadOnlySpan(r.Bytes, start, nameLength))

            if version = 4 then
                r.BigInt64() |> ignore // the tag's size

            match kind with
            | 20 -> tags.Add(name, readGroup r version (depth + 1))
            | 21 -> tags.Add(name, Data(readData r))
            | k -> raise (Malformed(sprintf "tag '%s' of unknown kind %d at byte %d" name k (r.Pos - 1L)))

            i <- i + 1L

    Group(List.ofSeq tags)

and private readData (r: Reader) : Value =
    r.Need 4L
    r.Skip 4L // "%%%%"
    let nInfo = r.Count()

    if nInfo < 1L || nInfo > maxInfo then
        raise (Malformed(sprintf "a data tag with %d type entries" nInfo))

    let info = Array.init (int nInfo) (fun _ -> r.Count())
    let t = int info.[0]

    let checkedSize (count: int64) (size: int64) =
        if count < 0L || size < 0L || (size > 0L && count > Int64.MaxValue / size) then
            raise (Malformed(sprintf "an array of %d values" count))

        count * size

    match t with
    | _ when sizeOf t > 0 ->
        r.Need(int64 (sizeOf t))
        let v = r.ValueAt(t, r.Pos)
        r.Skip(int64 (sizeOf t))
        Number v
    | 18 when nInfo >= 2L ->
        let n = info.[1]
        let bytes = checkedSize n 2L
        r.Need bytes
        let start = r.Pos
        r.Skip bytes
        Text(String(Array.init (int n) (fun i -> char (r.ValueAt(4, start + 2L * int64 i)))))
    | 15 when nInfo >= 3L ->
        // struct: [15, name length, n fields, (name length, type) × n]
        let fields = info.[2]

        if 3L + 2L * fields > nInfo || fields < 0L then
            raise (Malformed "a struct with more fields than type entries")

        let size =
            Seq.sum [ for f in 0L .. fields - 1L -> int64 (sizeOf (int info.[int (4L + 2L * f)])) ]

        r.Skip size
        Other
    | 20 when nInfo >= 3L ->
        let element = int info.[1]

        if sizeOf element > 0 then
            let count = info.[2]
            let bytes = checkedSize count (int64 (sizeOf element))
            r.Need bytes
            let start = r.Pos
            r.Skip bytes
            Numbers(start, element, count)
        elif element = 15 then
            // array of structs: [20, 15, name length, n fields, (name length, type) × n, count]
            let fields = info.[3]

            if fields < 0L || 5L + 2L * fields > nInfo then
                raise (Malformed "an array of structs with more fields than type entries")

            let size =
                Seq.sum [ for f in 0L .. fields - 1L -> int64 (sizeOf (int info.[int (5L + 2L * f)])) ]

            let count = info.[int (4L + 2L * fields)]
            r.Skip(checkedSize count size)
            Other
        else
            raise (Malformed(sprintf "an array of element type %d" element))
    | t -> raise (Malformed(sprintf "a data tag of type %d" t))

/// The file's tag tree and a reader over its bytes.
let parse (bytes: byte array) : Tag * Reader =
    if bytes.Length < 16 then
        raise (Malformed "too short for a DigitalMicrograph header")

    let version = BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, 0, 4))

    if version <> 3 && version <> 4 then
        raise (Malformed(sprintf "version %d (DigitalMicrograph files are version 3 or 4)" version))

    let orderAt = if version = 4 then 12 else 8
    let order = BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, orderAt, 4))

    if order <> 0 && order <> 1 then
        raise (Malformed(sprintf "byte order %d (0 or 1)" order))

    let r = Reader(bytes, version, (order = 1))
    r.Skip(int64 (orderAt + 4))
    readGroup r version 0, r

let rec private find (path: string list) (tag: Tag) : Tag option =
    match path, tag with
    | [], t -> Some t
    | name :: rest, Group tags -> tags |> List.tryFind (fun (n, _) -> n = name) |> Option.bind (snd >> find rest)
    | _ -> None

let private number (tag: Tag option) =
    match tag with
    | Some(Data(Number v)) -> Some v
    | _ -> None

/// Units stored as text, or as an array of UTF-16 code units.
let private text (r: Reader) (tag: Tag option) =
    match tag with
    | Some(Data(Text s)) -> Some s
    | Some(Data(Numbers(o, 4, n))) when n <= 64L -> Some(String(Array.init (int n) (fun i -> char (r.ValueAt(4, o + 2L * int64 i)))))
    | _ -> None

/// Å per unit of a length unit (nm, Å, pm, µm), or None.
let angstromsPer (unit: string) =
    match unit.Trim() with
    | "nm" -> Some 10.0
    | "Å"
    | "A"
    | "Angstrom"
    | "angstrom" -> Some 1.0
    | "pm" -> Some 0.01
    | "µm"
    | "um" -> Some 1e4
    | _ -> None

/// The largest 2D (or first frame of a 3D) image of the file: width, height, pixels, Å per pixel when calibrated.
let largestImage (root: Tag) (r: Reader) (maxPixels: int64) =
    let images =
        match find [ "ImageList" ] root with
        | Some(Group entries) -> entries |> List.map snd
        | _ -> []

    let candidates =
        images
        |> List.choose (fun image ->
            let dims =
                match find [ "ImageData"; "Dimensions" ] image with
                | Some(Group ds) ->
                    ds
                    |> List.choose (fun (_, d) ->
                        match d with
                        | Data(Number v) -> Some(int64 v)
                        | _ -> None)
                | _ -> []

            match find [ "ImageData"; "Data" ] image, dims with
            | Some(Data(Numbers(o, t, count))), w :: h :: rest when w > 0L && h > 0L && w * h <= count ->
                let frames = List.fold (fun a d -> a * max 1L d) 1L rest

                if w * h * frames <> count then
                    None
                else
                    let scale =
                        match find [ "ImageData"; "Calibrations"; "Dimension" ] image with
                        | Some(Group((_, first) :: _)) ->
                            match number (find [ "Scale" ] (first)), text r (find [ "Units" ] first) with
                            | Some s, Some u when s > 0.0 -> angstromsPer u |> Option.map (fun a -> s * a)
                            | _ -> None
                        | _ -> None

                    Some(w, h, o, t, scale)
            | _ -> None)

    match candidates |> List.sortByDescending (fun (w, h, _, _, _) -> w * h) with
    | [] -> raise (Malformed "no image in its ImageList (a DigitalMicrograph file without image data)")
    | (w, h, _, _, _) :: _ when w * h > maxPixels -> raise (Malformed(sprintf "an image of %d × %d pixels (at most %d)" w h maxPixels))
    | (w, h, o, t, scale) :: _ ->
        let size = int64 (sizeOf t)
        let pixels = Array.init (int (w * h)) (fun i -> r.ValueAt(t, o + size * int64 i))
        int w, int h, pixels, scale
